// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

/**
 * A copy of {@code struct kvm_regs}, the general-purpose registers of a vCPU (KVM_GET_REGS /
 * KVM_SET_REGS). Change one register with the {@code with} methods, then hand it back.
 */
public record Regs(
        long rax, long rbx, long rcx, long rdx, long rsi, long rdi, long rsp, long rbp,
        long r8, long r9, long r10, long r11, long r12, long r13, long r14, long r15,
        long rip, long rflags) {

    /** Bit 1 of RFLAGS is reserved and reads as one; a vCPU refuses to enter with it clear. */
    public static final long RFLAGS_RESERVED = 0x2;

    /** All registers zero except the reserved RFLAGS bit. */
    public static Regs initial() {
        return new Regs(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, RFLAGS_RESERVED);
    }

    public Regs withRip(long v) {
        return new Regs(rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, v, rflags);
    }

    public Regs withRsp(long v) {
        return new Regs(rax, rbx, rcx, rdx, rsi, rdi, v, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags);
    }

    public Regs withRax(long v) {
        return new Regs(v, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags);
    }

    public Regs withRbx(long v) {
        return new Regs(rax, v, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags);
    }

    public Regs withRsi(long v) {
        return new Regs(rax, rbx, rcx, rdx, v, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags);
    }

    public Regs withRflags(long v) {
        return new Regs(rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, v);
    }

    /** One line for error messages: the registers a reader of a crash looks at first. */
    public String summary() {
        return "rip=0x%x rsp=0x%x rflags=0x%x rax=0x%x rbx=0x%x rcx=0x%x rdx=0x%x rsi=0x%x rdi=0x%x"
                .formatted(rip, rsp, rflags, rax, rbx, rcx, rdx, rsi, rdi);
    }
}
