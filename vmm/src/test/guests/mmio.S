// SPDX-License-Identifier: GPL-2.0-or-later
// MMIO both ways: reads the dword at 0xd0000 (outside RAM), adds 1 and writes it to 0xd0004,
// then writes the byte 0x5a to 0xd0008 and halts.
    .code16
    .text
    .globl _start
_start:
    mov $0xd000, %ax
    mov %ax, %es
    mov %es:0, %eax
    inc %eax
    mov %eax, %es:4
    movb $0x5a, %es:8
    hlt
