// SPDX-License-Identifier: GPL-2.0-or-later
// Hypercalls through the hypercall page. Sets HV_X64_MSR_GUEST_OS_ID (0x40000000) to the Linux id
// 0x8100 << 48, enables the hypercall page at 0x30000 through HV_X64_MSR_HYPERCALL (0x40000001),
// then calls, writing each RAX result to port 0x33 (4 bytes):
//   1. HvPostMessage (0x5C) of msg_conn5: connection 5, type 0x4a, 12 bytes "jvmm-hyperv!";
//   2. HvPostMessage of msg_conn6 (connection 6, same payload);
//   3. fast HvSignalEvent (0x5D | 1 << 16) on connection 7;
//   4. fast HvSignalEvent on connection 8;
//   5. HvPostMessage with its input at 64 GiB, wholly outside RAM (QEMU reads zeros: connection 0);
//   6. HvPostMessage with its input at 2 MiB - 128, half in RAM (QEMU's mapping ends short).
// Then writes 1 to port 0x34 and ends with a triple fault. #GP: 13 on port 0x3f.
#include "hv_common.inc"
    .code64
    .text
    .globl _start
_start:
    SETUP_GP
    mov $0x40000000, %ecx
    xor %eax, %eax
    mov $0x81000000, %edx
    wrmsr
    mov $0x40000001, %ecx
    mov $0x30001, %eax
    xor %edx, %edx
    wrmsr

    mov $0x5c, %rcx
    lea msg_conn5(%rip), %rdx
    xor %r8, %r8
    mov $0x30000, %rax
    call *%rax
    out %eax, $0x33

    mov $0x5c, %rcx
    lea msg_conn6(%rip), %rdx
    xor %r8, %r8
    mov $0x30000, %rax
    call *%rax
    out %eax, $0x33

    mov $0x1005d, %rcx
    mov $7, %rdx
    xor %r8, %r8
    mov $0x30000, %rax
    call *%rax
    out %eax, $0x33

    mov $0x1005d, %rcx
    mov $8, %rdx
    xor %r8, %r8
    mov $0x30000, %rax
    call *%rax
    out %eax, $0x33

    mov $0x5c, %rcx
    mov $0x1000000000, %rdx
    xor %r8, %r8
    mov $0x30000, %rax
    call *%rax
    out %eax, $0x33

    mov $0x5c, %rcx
    mov $0x1fff80, %rdx
    xor %r8, %r8
    mov $0x30000, %rax
    call *%rax
    out %eax, $0x33

    mov $1, %eax
    out %eax, $0x34
    TRIPLE_FAULT

    .balign 256
msg_conn5:
    .long 5, 0, 0x4a, 12
    .ascii "jvmm-hyperv!"
    .fill 240 - 12, 1, 0
msg_conn6:
    .long 6, 0, 0x4a, 12
    .ascii "jvmm-hyperv!"
    .fill 240 - 12, 1, 0
    GP_HANDLER_AND_IDT
