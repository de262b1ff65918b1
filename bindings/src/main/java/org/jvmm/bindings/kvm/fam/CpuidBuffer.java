// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm.fam;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import org.jvmm.bindings.kvm.kvm_cpuid2;
import org.jvmm.bindings.kvm.kvm_cpuid_entry2;

/**
 * A {@code struct kvm_cpuid2} with room for a fixed number of {@code entries}: CPUID leaves for
 * KVM_GET_SUPPORTED_CPUID, KVM_GET_CPUID2 and KVM_SET_CPUID2.
 *
 * <p>The generated {@code kvm_cpuid2} layout ends in a zero-length {@code entries} sequence, as the C
 * flexible array member does, so it cannot describe the buffer KVM actually reads. This wrapper
 * allocates header plus {@code capacity} entries in one segment and keeps every entry access
 * inside that capacity. Used with {@code KVM_GET_SUPPORTED_CPUID}, {@code
 * KVM_GET_SUPPORTED_HV_CPUID}, {@code KVM_GET_CPUID2} and {@code KVM_SET_CPUID2}.
 */
public final class CpuidBuffer {

    /**
     * KVM_MAX_CPUID_ENTRIES in the kernel's arch/x86/include/asm/kvm_host.h (256 since Linux 5.11;
     * KVM rejects a larger nent with E2BIG).
     */
    public static final int MAX_ENTRIES = 256;

    private final MemorySegment segment;
    private final int capacity;

    private CpuidBuffer(MemorySegment segment, int capacity) {
        this.segment = segment;
        this.capacity = capacity;
    }

    /**
     * Allocates a zeroed buffer for {@code capacity} entries with {@code nent} set to
     * {@code capacity}, which is what the GET ioctls expect on input.
     */
    public static CpuidBuffer allocate(SegmentAllocator allocator, int capacity) {
        if (capacity < 0 || capacity > MAX_ENTRIES) {
            throw new IllegalArgumentException("kvm_cpuid2 capacity " + capacity + " is outside 0.." + MAX_ENTRIES);
        }
        MemorySegment segment = allocator.allocate(kvm_cpuid2.sizeof() + (long) capacity * kvm_cpuid_entry2.sizeof(),
                kvm_cpuid2.layout().byteAlignment());
        kvm_cpuid2.nent(segment, capacity);
        return new CpuidBuffer(segment, capacity);
    }

    /** The whole buffer, to pass as the ioctl argument. */
    public MemorySegment segment() {
        return segment;
    }

    /** How many entries fit. */
    public int capacity() {
        return capacity;
    }

    /** The {@code nent} field: entries in use (after a GET ioctl, how many KVM filled in). */
    public int count() {
        return kvm_cpuid2.nent(segment);
    }

    /** Sets {@code nent}, e.g. before a SET ioctl; must not exceed the capacity. */
    public void count(int count) {
        if (count < 0 || count > capacity) {
            throw new IllegalArgumentException("kvm_cpuid2.nent " + count + " exceeds the capacity " + capacity);
        }
        kvm_cpuid2.nent(segment, count);
    }

    /** The entries area, {@code capacity} entries long. */
    public MemorySegment entries() {
        return segment.asSlice(kvm_cpuid2.entries$offset(), (long) capacity * kvm_cpuid_entry2.sizeof());
    }

    /**
     * Entry {@code index} (0 &le; index &lt; capacity) as a {@code kvm_cpuid_entry2} slice of this
     * buffer.
     */
    public MemorySegment entry(int index) {
        return kvm_cpuid_entry2.asSlice(entries(), checkIndex(index));
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= capacity) {
            throw new IndexOutOfBoundsException("kvm_cpuid2 entry " + index + " is outside 0.." + (capacity - 1));
        }
        return index;
    }
}
