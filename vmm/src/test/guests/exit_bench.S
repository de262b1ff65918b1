// SPDX-License-Identifier: GPL-2.0-or-later
// Guest of scripts/bench-exits (C and Java loops run the same binary). Two phases:
//   PIO:  reads a byte from port 0x10 until it reads 0;
//   MMIO: reads a byte at guest-physical 0xd0000 (not RAM) until it reads 0;
// then halts. Each read is one exit and one round trip through the VMM.
    .code16
    .text
    .globl _start
_start:
    mov $0x10, %dx
pio:
    in %dx, %al
    test %al, %al
    jnz pio

    mov $0xd000, %ax
    mov %ax, %es
mmio:
    mov %es:0, %al
    test %al, %al
    jnz mmio
    hlt
