// SPDX-License-Identifier: GPL-2.0-or-later
// Reads HV_X64_MSR_TIME_REF_COUNT (0x40000020, 100 ns units) twice with a busy loop between and
// writes both values to port 0x31 as low, high, low, high dwords; then halts. #GP: 13 on 0x3f.
#include "hv_common.inc"
    .code64
    .text
    .globl _start
_start:
    SETUP_GP
    mov $0x40000020, %ecx
    rdmsr
    mov %eax, %r12d
    mov %edx, %r13d
    mov $2000000, %rbx
1:  pause
    dec %rbx
    jnz 1b
    mov $0x40000020, %ecx
    rdmsr
    mov %eax, %r14d
    mov %edx, %r15d
    mov %r12d, %eax
    out %eax, $0x31
    mov %r13d, %eax
    out %eax, $0x31
    mov %r14d, %eax
    out %eax, $0x31
    mov %r15d, %eax
    out %eax, $0x31
    hlt
    GP_HANDLER_AND_IDT
