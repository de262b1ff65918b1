// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm.fam;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import org.jvmm.bindings.kvm.kvm_msrs;
import org.jvmm.bindings.kvm.kvm_msr_entry;

/**
 * A {@code struct kvm_msrs} with room for a fixed number of {@code entries}: MSR index/value pairs
 * for KVM_GET_MSRS and KVM_SET_MSRS.
 *
 * <p>The generated {@code kvm_msrs} layout ends in a zero-length {@code entries} sequence, as the C
 * flexible array member does, so it cannot describe the buffer KVM actually reads. This wrapper
 * allocates header plus {@code capacity} entries in one segment and keeps every entry access
 * inside that capacity. Used with {@code KVM_GET_MSRS} and {@code KVM_SET_MSRS} (which return how
 * many entries they processed).
 */
public final class MsrBuffer {

    /**
     * MAX_IO_MSRS - 1: arch/x86/kvm/x86.c defines MAX_IO_MSRS as 256 and rejects nmsrs &gt;=
     * MAX_IO_MSRS with E2BIG.
     */
    public static final int MAX_ENTRIES = 255;

    private final MemorySegment segment;
    private final int capacity;

    private MsrBuffer(MemorySegment segment, int capacity) {
        this.segment = segment;
        this.capacity = capacity;
    }

    /**
     * Allocates a zeroed buffer for {@code capacity} entries with {@code nmsrs} set to
     * {@code capacity}, which is what the GET ioctls expect on input.
     */
    public static MsrBuffer allocate(SegmentAllocator allocator, int capacity) {
        if (capacity < 0 || capacity > MAX_ENTRIES) {
            throw new IllegalArgumentException("kvm_msrs capacity " + capacity + " is outside 0.." + MAX_ENTRIES);
        }
        MemorySegment segment = allocator.allocate(kvm_msrs.sizeof() + (long) capacity * kvm_msr_entry.sizeof(),
                kvm_msrs.layout().byteAlignment());
        kvm_msrs.nmsrs(segment, capacity);
        return new MsrBuffer(segment, capacity);
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
        return kvm_msrs.nmsrs(segment);
    }

    /** Sets {@code nmsrs}, e.g. before a SET ioctl; must not exceed the capacity. */
    public void count(int count) {
        if (count < 0 || count > capacity) {
            throw new IllegalArgumentException("kvm_msrs.nmsrs " + count + " exceeds the capacity " + capacity);
        }
        kvm_msrs.nmsrs(segment, count);
    }

    /** The entries area, {@code capacity} entries long. */
    public MemorySegment entries() {
        return segment.asSlice(kvm_msrs.entries$offset(), (long) capacity * kvm_msr_entry.sizeof());
    }

    /** Entry {@code index} (0 &le; index &lt; capacity) as a {@code kvm_msr_entry} slice of this buffer. */
    public MemorySegment entry(int index) {
        return kvm_msr_entry.asSlice(entries(), checkIndex(index));
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= capacity) {
            throw new IndexOutOfBoundsException("kvm_msrs entry " + index + " is outside 0.." + (capacity - 1));
        }
        return index;
    }
}
