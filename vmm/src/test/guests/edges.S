// SPDX-License-Identifier: GPL-2.0-or-later
// Accesses at the edges of guest RAM (the test gives it 512 KiB, so RAM ends at 0x80000):
//   - reads the dword at 0x80000 (first byte past RAM, unclaimed MMIO) and reports it on 0x40;
//   - writes there (dropped);
//   - reads the dword at 0x7fffc (last dword of RAM), after writing 0x11223344 there, and
//     reports it on 0x40;
//   - rep outsb with CX = 0xffff from DS:0 to port 0x41 (far more than one exit's data page);
//   - reports 0x600d on port 0x42 when done.
    .code16
    .text
    .globl _start
_start:
    mov $0x8000, %ax
    mov %ax, %es
    mov %es:0, %eax
    out %eax, $0x40
    movl $0xdeadbeef, %es:0

    mov $0x7000, %ax
    mov %ax, %es
    movl $0x11223344, %es:0xfffc
    mov %es:0xfffc, %eax
    out %eax, $0x40

    xor %ax, %ax
    mov %ax, %ds
    xor %si, %si
    mov $0xffff, %cx
    mov $0x41, %dx
    cld
    rep outsb

    mov $0x600d, %ax
    out %ax, $0x42
    hlt
