// SPDX-License-Identifier: GPL-2.0-or-later
// Two vCPUs. vCPU 0 reads a round count from port 0x32, floods COM1 (0x3f8) with that many
// rep-outsb rounds of the 4 KiB pattern below (25600 rounds: 100 MiB), then writes 1 to port
// 0x31 and halts. vCPU 1 meanwhile loops forever reading COM1's
// line status register (0x3fd, the same device and lock as the flood) and writing to port 0x30,
// so every iteration is two exits the host counts: its count must keep growing during the flood.
// Each vCPU learns its index from CPUID.1:EBX[31:24], as smp_index.S does.
    .code16
    .text
    .globl _start
_start:
    mov $1, %eax
    cpuid
    shr $24, %ebx
    test %bl, %bl
    jnz other
    cld
    mov $0x32, %dx
    in %dx, %ax
    mov %ax, %bp
flood:
    mov $pattern, %si
    mov $4096, %cx
    mov $0x3f8, %dx
    rep outsb
    dec %bp
    jnz flood
    mov $1, %al
    out %al, $0x31
    hlt
other:
    mov $0x3fd, %dx
    in %dx, %al
    out %al, $0x30
    jmp other
    .balign 16
pattern:
    .set i, 0
    .rept 4096
    .byte (i * 7 + 3) & 0xff
    .set i, i + 1
    .endr
