// SPDX-License-Identifier: GPL-2.0-or-later
// Long mode. Loads an empty IDT and executes UD2: the #UD cannot be delivered, nor the #GP that
// follows, nor the double fault, so the CPU shuts down (KVM_EXIT_SHUTDOWN). (The same guest in
// real mode works too, but PVM-based KVM takes seconds to emulate its way to the shutdown.)
    .code64
    .text
    .globl _start
_start:
    lidt empty_idt(%rip)
    ud2
    hlt
    .balign 8
empty_idt:
    .word 0
    .quad 0
