// SPDX-License-Identifier: GPL-2.0-or-later
// Halts at once: KVM_EXIT_HLT without an in-kernel irqchip.
    .code16
    .text
    .globl _start
_start:
    hlt
    jmp _start
