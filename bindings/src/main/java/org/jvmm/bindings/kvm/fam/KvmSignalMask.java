// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm.fam;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import org.jvmm.bindings.kvm.kvm_signal_mask;

/**
 * A {@code struct kvm_signal_mask} for {@code KVM_SET_SIGNAL_MASK}: the signals to block while the
 * vCPU runs guest code.
 *
 * <p>{@code sigset} is a flexible array whose length KVM requires to be exactly the kernel's
 * sigset size, 8 bytes on x86_64 ({@code kvm_vcpu_ioctl_set_sigmask} in virt/kvm/kvm_main.c
 * rejects any other {@code len} with EINVAL). The first 8 bytes of a glibc {@code sigset_t} have
 * the same bit layout, so {@link #copyFrom} takes a {@code SigSet} segment.
 */
public final class KvmSignalMask {

    /** The sigset length KVM accepts on x86_64 ({@code sizeof(sigset_t)} in the kernel). */
    public static final int KERNEL_SIGSET_SIZE = 8;

    private final MemorySegment segment;

    private KvmSignalMask(MemorySegment segment) {
        this.segment = segment;
    }

    /** Allocates an empty mask (no signal blocked) with {@code len} set to 8. */
    public static KvmSignalMask allocate(SegmentAllocator allocator) {
        MemorySegment segment = allocator.allocate(kvm_signal_mask.sizeof() + KERNEL_SIGSET_SIZE,
                kvm_signal_mask.layout().byteAlignment());
        kvm_signal_mask.len(segment, KERNEL_SIGSET_SIZE);
        return new KvmSignalMask(segment);
    }

    /** The whole struct, to pass to {@code KVM_SET_SIGNAL_MASK}. */
    public MemorySegment segment() {
        return segment;
    }

    /** The 8-byte kernel sigset. */
    public MemorySegment sigset() {
        return segment.asSlice(kvm_signal_mask.sigset$offset(), KERNEL_SIGSET_SIZE);
    }

    /** Copies the first 8 bytes of a glibc {@code sigset_t} (e.g. from {@code SigSet}) into the mask. */
    public void copyFrom(MemorySegment sigsetT) {
        MemorySegment.copy(sigsetT, 0, segment, kvm_signal_mask.sigset$offset(), KERNEL_SIGSET_SIZE);
    }
}
