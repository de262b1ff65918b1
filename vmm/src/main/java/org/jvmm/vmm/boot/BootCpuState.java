// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

/**
 * The boot vCPU's registers at the kernel's 64-bit entry point, as data. The VM builder applies
 * them with KVM_SET_SREGS (segments, descriptor tables, control registers, EFER) and
 * KVM_SET_REGS (RIP, RSI, RSP, RFLAGS; every other general register zero). CR0 is meant to be
 * set exactly, not OR-ed into the reset value, whose CD and NW bits would leave caching off.
 */
public record BootCpuState(
        long rip,
        long rsi,
        long rsp,
        long rflags,
        long cr0,
        long cr3,
        long cr4,
        long efer,
        SegmentState cs,
        SegmentState ds,
        SegmentState es,
        SegmentState fs,
        SegmentState gs,
        SegmentState ss,
        SegmentState tr,
        SegmentState ldt,
        DescriptorTable gdt,
        DescriptorTable idt) {

    /** GDTR or IDTR: linear base and limit (size in bytes minus one). */
    public record DescriptorTable(long base, int limit) {}
}
