// SPDX-License-Identifier: GPL-2.0-or-later
// Port I/O both ways, at three sizes. Reads a value from each input port, transforms it, and
// writes the result to the next port, so the test checks both directions:
//   in  dword 0x20 -> out dword 0x21 = value + 1
//   in  word  0x22 -> out word  0x23 = value xor 0xffff
//   in  byte  0x24 -> out byte  0x25 = value + 2
    .code16
    .text
    .globl _start
_start:
    mov $0x20, %dx
    in %dx, %eax
    inc %eax
    mov $0x21, %dx
    out %eax, %dx

    mov $0x22, %dx
    in %dx, %ax
    xor $0xffff, %ax
    mov $0x23, %dx
    out %ax, %dx

    in $0x24, %al
    add $2, %al
    out %al, $0x25
    hlt
