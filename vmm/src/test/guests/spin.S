// SPDX-License-Identifier: GPL-2.0-or-later
// Spins forever without an exit: only a kick gets the vCPU out of KVM_RUN.
    .code16
    .text
    .globl _start
_start:
    jmp _start
