// SPDX-License-Identifier: GPL-2.0-or-later
// MSRs KVM implements, accessed in long mode, for the counted-MSR test (the same code runs with
// and without counting, and must see the same):
//   - writes 0x00007fff12345678 to IA32_SYSENTER_ESP (0x175), reads it back twice and reports
//     the second read (low, then high dword) on port 0x50;
//   - writes a non-canonical value to IA32_KERNEL_GS_BASE (0xc0000102), which KVM refuses: the
//     #GP handler reports vector 13 on port 0x51 and halts. Reaching the code after that WRMSR
//     reports 0xbad on port 0x52.
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

    mov $0x175, %ecx
    mov $0x12345678, %eax
    mov $0x00007fff, %edx
    wrmsr
    xor %eax, %eax
    xor %edx, %edx
    rdmsr
    rdmsr
    mov %edx, %ebx
    out %eax, $0x50
    mov %ebx, %eax
    out %eax, $0x50

    mov $0xc0000102, %ecx
    xor %eax, %eax
    mov $0x80000000, %edx
    wrmsr
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
