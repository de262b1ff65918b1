// SPDX-License-Identifier: GPL-2.0-or-later
// SynIC pages. Enables HV_X64_MSR_SCONTROL (0x40000080), the message page at 0x32000
// (HV_X64_MSR_SIMP, 0x40000083) and the event-flags page at 0x33000 (HV_X64_MSR_SIEFP,
// 0x40000082); each WRMSR is a SYNIC exit. Then writes to port 0x35 (4 bytes each):
//   the first dword of the message page and of the event page (0 when the pages start zeroed);
// writes 2 to port 0x36 (the test posts a message into SINT 2 when it sees it) and then
// writes message_type and the first payload dword of slot 2 to port 0x35. Ends with a triple fault.
#include "hv_common.inc"
    .code64
    .text
    .globl _start
_start:
    SETUP_GP
    mov $0x40000080, %ecx
    mov $1, %eax
    xor %edx, %edx
    wrmsr
    mov $0x40000083, %ecx
    mov $0x32001, %eax
    wrmsr
    mov $0x40000082, %ecx
    mov $0x33001, %eax
    wrmsr

    mov 0x32000, %eax
    out %eax, $0x35
    mov 0x33000, %eax
    out %eax, $0x35

    mov $2, %eax
    out %eax, $0x36
    mov 0x32000 + 2*256, %eax
    out %eax, $0x35
    mov 0x32000 + 2*256 + 16, %eax
    out %eax, $0x35
    TRIPLE_FAULT
    GP_HANDLER_AND_IDT
