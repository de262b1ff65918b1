// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm.fam;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import org.jvmm.bindings.kvm.kvm_msr_list;

/**
 * A {@code struct kvm_msr_list} with room for a fixed number of {@code indices}: MSR numbers from
 * KVM_GET_MSR_INDEX_LIST and KVM_GET_MSR_FEATURE_INDEX_LIST.
 *
 * <p>The generated {@code kvm_msr_list} layout ends in a zero-length {@code indices} sequence, as the C
 * flexible array member does, so it cannot describe the buffer KVM actually reads. This wrapper
 * allocates header plus {@code capacity} entries in one segment and keeps every entry access
 * inside that capacity. Used with {@code KVM_GET_MSR_INDEX_LIST} and {@code KVM_GET_MSR_FEATURE_INDEX_LIST}.
 */
public final class MsrIndexList {

    /**
     * A generous bound: KVM's list (msrs_to_save plus emulated MSRs in arch/x86/kvm/x86.c) has a
     * few hundred entries; when nmsrs is too small KVM fails with E2BIG and stores the needed count
     * in nmsrs.
     */
    public static final int MAX_ENTRIES = 1024;

    private final MemorySegment segment;
    private final int capacity;

    private MsrIndexList(MemorySegment segment, int capacity) {
        this.segment = segment;
        this.capacity = capacity;
    }

    /**
     * Allocates a zeroed buffer for {@code capacity} entries with {@code nmsrs} set to
     * {@code capacity}, which is what the GET ioctls expect on input.
     */
    public static MsrIndexList allocate(SegmentAllocator allocator, int capacity) {
        if (capacity < 0 || capacity > MAX_ENTRIES) {
            throw new IllegalArgumentException("kvm_msr_list capacity " + capacity + " is outside 0.." + MAX_ENTRIES);
        }
        MemorySegment segment = allocator.allocate(kvm_msr_list.sizeof() + (long) capacity * Integer.BYTES,
                kvm_msr_list.layout().byteAlignment());
        kvm_msr_list.nmsrs(segment, capacity);
        return new MsrIndexList(segment, capacity);
    }

    /** The whole buffer, to pass as the ioctl argument. */
    public MemorySegment segment() {
        return segment;
    }

    /** How many entries fit. */
    public int capacity() {
        return capacity;
    }

    /** The {@code nmsrs} field: entries in use (after a GET ioctl, how many KVM filled in). */
    public int count() {
        return kvm_msr_list.nmsrs(segment);
    }

    /** Sets {@code nmsrs}, e.g. before a SET ioctl; must not exceed the capacity. */
    public void count(int count) {
        if (count < 0 || count > capacity) {
            throw new IllegalArgumentException("kvm_msr_list.nmsrs " + count + " exceeds the capacity " + capacity);
        }
        kvm_msr_list.nmsrs(segment, count);
    }

    /** The entries area, {@code capacity} entries long. */
    public MemorySegment indices() {
        return segment.asSlice(kvm_msr_list.indices$offset(), (long) capacity * Integer.BYTES);
    }

    // The generated indexed accessor cannot be used: it checks against the zero-length FAM sequence.

    /** The MSR index at {@code index} (0 &le; index &lt; capacity). */
    public int index(int index) {
        return indices().getAtIndex(ValueLayout.JAVA_INT, checkIndex(index));
    }

    /** Stores an MSR index at {@code index} (0 &le; index &lt; capacity). */
    public void index(int index, int msr) {
        indices().setAtIndex(ValueLayout.JAVA_INT, checkIndex(index), msr);
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= capacity) {
            throw new IndexOutOfBoundsException("kvm_msr_list entry " + index + " is outside 0.." + (capacity - 1));
        }
        return index;
    }
}
