// SPDX-License-Identifier: GPL-2.0-or-later
// Reads HV_X64_MSR_VP_INDEX (0x40000002), which KVM answers itself, and writes it to port 0x30
// (4 bytes), then halts. Any vCPU count. A #GP (MSR not offered, e.g. enforce-cpuid without
// hv-vpindex) reports 13 on port 0x3f instead.
#include "hv_common.inc"
    .code64
    .text
    .globl _start
_start:
    SETUP_GP
    mov $0x40000002, %ecx
    rdmsr
    out %eax, $0x30
    hlt
    GP_HANDLER_AND_IDT
