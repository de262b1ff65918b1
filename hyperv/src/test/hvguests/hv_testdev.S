// SPDX-License-Identifier: GPL-2.0-or-later
// SINT delivery through HvTestDevice (port 0x3000) with the msg_pending / EOM handshake.
// Set-up: x2APIC on (IA32_APIC_BASE 0x1b bits 10-11, SVR 0x80f = 0x1ff), hypercall page at
// 0x30000, SCONTROL = 1, message page 0x32000, event page 0x33000, SINT2 = vector 0x50
// (HV_X64_MSR_SINT2 0x40000092, unmasked), vector 0x50 -> sint_handler. Then, interrupts off:
//   1. test device: event connection 10 on VP 0 / SINT 2; fast HvSignalEvent(10): status -> 0x33;
//      event page slot 2, first dword -> 0x35 (flag 10 = 0x400);
//   2. test device: message connection 9 on VP 0 / SINT 2; HvPostMessage twice to connection 9
//      (type 0x41 payload 0x11111111, then type 0x42 payload 0x22222222): statuses -> 0x33; the
//      second echo finds slot 2 busy, so message_flags of slot 2 -> 0x35 (msg_pending = 1);
//   3. interrupts on, halt until sint_handler has consumed two messages, then 1 -> 0x34 and a
//      triple fault. sint_handler writes each message's type and first payload dword to 0x37,
//      frees the slot, writes EOM when msg_pending was set, and EOIs through x2APIC (MSR 0x80b).
#include "hv_common.inc"
    .code64
    .text
    .globl _start
_start:
    SETUP_GP
    SET_GATE 0x50, sint_handler
    mov $0x1b, %ecx
    rdmsr
    or $0xc00, %eax
    wrmsr
    mov $0x80f, %ecx
    mov $0x1ff, %eax
    xor %edx, %edx
    wrmsr

    mov $0x40000000, %ecx
    xor %eax, %eax
    mov $0x81000000, %edx
    wrmsr
    mov $0x40000001, %ecx
    mov $0x30001, %eax
    xor %edx, %edx
    wrmsr
    mov $0x40000080, %ecx
    mov $1, %eax
    wrmsr
    mov $0x40000083, %ecx
    mov $0x32001, %eax
    wrmsr
    mov $0x40000082, %ecx
    mov $0x33001, %eax
    wrmsr
    mov $0x40000092, %ecx
    mov $0x50, %eax
    wrmsr

    mov $0x0a060002, %eax           // conn 10, EVT_CONN_CREATE, VP 0, SINT 2
    mov $0x3000, %dx
    out %eax, %dx
    mov $0x1005d, %rcx
    mov $10, %rdx
    xor %r8, %r8
    mov $0x30000, %rax
    call *%rax
    out %eax, $0x33
    mov 0x33000 + 2*256, %eax
    out %eax, $0x35

    mov $0x09040002, %eax           // conn 9, MSG_CONN_CREATE, VP 0, SINT 2
    mov $0x3000, %dx
    out %eax, %dx
    mov $0x5c, %rcx
    lea msg_a(%rip), %rdx
    xor %r8, %r8
    mov $0x30000, %rax
    call *%rax
    out %eax, $0x33
    mov $0x5c, %rcx
    lea msg_b(%rip), %rdx
    xor %r8, %r8
    mov $0x30000, %rax
    call *%rax
    out %eax, $0x33
    movzbl 0x32000 + 2*256 + 5, %eax
    out %eax, $0x35

wait:
    cli
    cmpl $2, consumed(%rip)
    je done
    sti
    hlt
    jmp wait
done:
    mov $1, %eax
    out %eax, $0x34
    TRIPLE_FAULT

sint_handler:
    push %rax
    push %rcx
    push %rdx
    mov 0x32000 + 2*256, %eax
    test %eax, %eax
    jz 2f
    out %eax, $0x37
    mov 0x32000 + 2*256 + 16, %eax
    out %eax, $0x37
    movl $0, 0x32000 + 2*256        // free the slot first, then look at msg_pending
    mfence
    testb $1, 0x32000 + 2*256 + 5
    jz 1f
    mov $0x40000084, %ecx           // HV_X64_MSR_EOM
    xor %eax, %eax
    xor %edx, %edx
    wrmsr
1:  incl consumed(%rip)
2:  mov $0x80b, %ecx                // x2APIC EOI
    xor %eax, %eax
    xor %edx, %edx
    wrmsr
    pop %rdx
    pop %rcx
    pop %rax
    iretq

    .balign 8
consumed:
    .long 0
    .balign 256
msg_a:
    .long 9, 0, 0x41, 4
    .long 0x11111111
    .fill 236, 1, 0
msg_b:
    .long 9, 0, 0x42, 4
    .long 0x22222222
    .fill 236, 1, 0
    GP_HANDLER_AND_IDT
