// SPDX-License-Identifier: GPL-2.0-or-later
// A fixed, known set of accesses to the Hyper-V virtual-APIC MSRs, for the census oracle
// (HvCensusLabTest): HV_X64_MSR_TPR (0x40000072) written 3 times (0x10, 0x20, 0x30) and read
// twice, the first value read going to port 0x38; HV_X64_MSR_EOI (0x40000070) written 5 times;
// HV_X64_MSR_ICR (0x40000071) written twice (a fixed self-IPI with vector 0x40; a fixed
// physical IPI to APIC 0 with vector 0x41; the APIC is software-disabled, so neither is
// delivered) and read once; HV_X64_MSR_VP_ASSIST_PAGE (0x40000073) written once (disabled) and
// read once, the value read going to port 0x38. Needs the irqchip in the kernel and hv-vapic.
// A #GP writes 13 to port 0x3f. Either way the guest ends with a triple fault.
#include "hv_common.inc"
    .code64
    .text
    .globl _start
_start:
    SETUP_GP
    SET_GATE 13, gp_then_end

    mov $0x40000072, %ecx
    xor %edx, %edx
    mov $0x10, %eax
    wrmsr
    mov $0x20, %eax
    wrmsr
    mov $0x30, %eax
    wrmsr
    rdmsr
    out %eax, $0x38
    rdmsr

    mov $0x40000070, %ecx
    xor %eax, %eax
    xor %edx, %edx
    .rept 5
    wrmsr
    .endr

    mov $0x40000071, %ecx
    mov $0x00040040, %eax
    xor %edx, %edx
    wrmsr
    mov $0x00000041, %eax
    wrmsr
    rdmsr

    mov $0x40000073, %ecx
    xor %eax, %eax
    xor %edx, %edx
    wrmsr
    rdmsr
    out %eax, $0x38
    TRIPLE_FAULT

gp_then_end:
    mov $13, %eax
    out %eax, $0x3f
    TRIPLE_FAULT
    GP_HANDLER_AND_IDT
