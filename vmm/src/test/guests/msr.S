// SPDX-License-Identifier: GPL-2.0-or-later
// MSRs that exit to userspace, in long mode. The test filters MSRs 0x40001000..0x4000100f:
//   - reads 0x40001000 and reports the value (low, then high dword) on port 0x50;
//   - writes 0x1122334455667788 to 0x40001001 (the handler records it);
//   - reads 0x4000100f, which the handler refuses: the #GP handler reports vector 13 on port
//     0x51 and halts. Reaching the code after that RDMSR reports 0xbad on port 0x52.
    .code64
    .text
    .globl _start
_start:
    // IDT entry 13 (#GP): a 64-bit interrupt gate to gp_handler, selector 0x08.
    lea gp_handler(%rip), %rax
    lea idt(%rip), %rdi
    add $13*16, %rdi
    mov %ax, (%rdi)
    movw $0x08, 2(%rdi)
    movw $0x8e00, 4(%rdi)
    shr $16, %rax
    mov %ax, 6(%rdi)
    shr $16, %rax
    mov %eax, 8(%rdi)
    lidt idtr(%rip)

    mov $0x40001000, %ecx
    rdmsr
    mov %edx, %ebx
    out %eax, $0x50
    mov %ebx, %eax
    out %eax, $0x50

    mov $0x40001001, %ecx
    mov $0x55667788, %eax
    mov $0x11223344, %edx
    wrmsr

    mov $0x4000100f, %ecx
    rdmsr
    mov $0xbad, %eax
    out %eax, $0x52
    hlt

gp_handler:
    mov $13, %eax
    out %eax, $0x51
1:  hlt
    jmp 1b

    .balign 16
idtr:
    .word 32*16 - 1
    .quad idt
    .balign 16
idt:
    .fill 32*16, 1, 0
