// SPDX-License-Identifier: GPL-2.0-or-later
// Two vCPUs at once. Each reads its initial APIC ID from CPUID.1:EBX[31:24] (the machine sets it
// to the vCPU index), marks itself arrived, waits until the other one has arrived too (so both
// are provably running at the same time), then writes its index to port 0x30 and halts.
    .code16
    .text
    .globl _start
_start:
    mov $1, %eax
    cpuid
    shr $24, %ebx
    mov %bl, %cl                 // cl = own index
    lock incw arrived
wait:
    pause
    cmpw $2, arrived
    jne wait
    mov %cl, %al
    out %al, $0x30
    hlt
    .balign 4
arrived:
    .word 0
