// SPDX-License-Identifier: GPL-2.0-or-later
// Entry points of the hypercall benchmark guest (see hcall_bench.c). The same ELF boots under both
// VMMs: QEMU enters through the PVH note (32-bit protected mode, paging off), jvmm at e_entry in
// long mode with its own identity map. Both paths end in start64 on this file's GDT, page tables
// and stack, so the measured code runs in the same state under either VMM.

    .section .note.pvh, "a"
    .balign 4
    .long 4, 8, 18                  // namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .quad start32                   // QEMU reads 8 bytes from a 64-bit ELF

    .section .text.start, "ax"
    .code32
    .globl start32
start32:
    cli
    lgdt gdt_ptr
    // 1 GiB identity map of 2 MiB pages: enough for the image, its data and RAM probes.
    mov $pd, %edi
    mov $0x83, %eax                 // present, writable, 2 MiB
    mov $512, %ecx
1:  mov %eax, (%edi)
    movl $0, 4(%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b
    movl $(pd + 3), pdpt
    movl $(pdpt + 3), pml4
    mov $pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $0x20, %eax                  // PAE
    mov %eax, %cr4
    mov $0xC0000080, %ecx           // EFER.LME
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax            // PG, PE
    mov %eax, %cr0
    ljmp $0x08, $start64

    .code64
    .globl start64
start64:
    cli
    lgdt gdt_ptr
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    lea stack_top(%rip), %rsp
    pushq $0x08
    lea 2f(%rip), %rax
    push %rax
    lretq                           // reload CS with this GDT's code segment
2:  call bench_main
3:  cli
    hlt
    jmp 3b

    .section .rodata
    .balign 16
gdt:
    .quad 0
    .quad 0x00af9a000000ffff        // 0x08: 64-bit code
    .quad 0x00cf92000000ffff        // 0x10: flat data
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .quad gdt

    .section .bss
    .balign 4096
pml4: .skip 4096
pdpt: .skip 4096
pd:   .skip 4096
    .balign 16
    .skip 65536
stack_top:

    .section .note.GNU-stack, "", @progbits
