// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm.fam;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import org.jvmm.bindings.kvm.kvm_irq_routing;
import org.jvmm.bindings.kvm.kvm_irq_routing_entry;

/**
 * A {@code struct kvm_irq_routing} with room for a fixed number of {@code entries}: the GSI routing
 * table for KVM_SET_GSI_ROUTING.
 *
 * <p>The generated {@code kvm_irq_routing} layout ends in a zero-length {@code entries} sequence, as the C
 * flexible array member does, so it cannot describe the buffer KVM actually reads. This wrapper
 * allocates header plus {@code capacity} entries in one segment and keeps every entry access
 * inside that capacity. Used with {@code KVM_SET_GSI_ROUTING}.
 */
public final class IrqRoutingBuffer {

    /**
     * KVM_MAX_IRQ_ROUTES in the kernel's include/linux/kvm_host.h (4096 on x86);
     * KVM_SET_GSI_ROUTING rejects more with EINVAL.
     */
    public static final int MAX_ENTRIES = 4096;

    private final MemorySegment segment;
    private final int capacity;

    private IrqRoutingBuffer(MemorySegment segment, int capacity) {
        this.segment = segment;
        this.capacity = capacity;
    }

    /**
     * Allocates a zeroed buffer for {@code capacity} entries with {@code nr} set to
     * {@code capacity}, which is what the GET ioctls expect on input.
     */
    public static IrqRoutingBuffer allocate(SegmentAllocator allocator, int capacity) {
        if (capacity < 0 || capacity > MAX_ENTRIES) {
            throw new IllegalArgumentException("kvm_irq_routing capacity " + capacity + " is outside 0.." + MAX_ENTRIES);
        }
        MemorySegment segment = allocator.allocate(kvm_irq_routing.sizeof() + (long) capacity * kvm_irq_routing_entry.sizeof(),
                kvm_irq_routing.layout().byteAlignment());
        kvm_irq_routing.nr(segment, capacity);
        return new IrqRoutingBuffer(segment, capacity);
    }

    /** The whole buffer, to pass as the ioctl argument. */
    public MemorySegment segment() {
        return segment;
    }

    /** How many entries fit. */
    public int capacity() {
        return capacity;
    }

    /** The {@code nr} field: entries in use (after a GET ioctl, how many KVM filled in). */
    public int count() {
        return kvm_irq_routing.nr(segment);
    }

    /** Sets {@code nr}, e.g. before a SET ioctl; must not exceed the capacity. */
    public void count(int count) {
        if (count < 0 || count > capacity) {
            throw new IllegalArgumentException("kvm_irq_routing.nr " + count + " exceeds the capacity " + capacity);
        }
        kvm_irq_routing.nr(segment, count);
    }

    /** The entries area, {@code capacity} entries long. */
    public MemorySegment entries() {
        return segment.asSlice(kvm_irq_routing.entries$offset(), (long) capacity * kvm_irq_routing_entry.sizeof());
    }

    /**
     * Entry {@code index} (0 &le; index &lt; capacity) as a {@code kvm_irq_routing_entry} slice of
     * this buffer.
     */
    public MemorySegment entry(int index) {
        return kvm_irq_routing_entry.asSlice(entries(), checkIndex(index));
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= capacity) {
            throw new IndexOutOfBoundsException("kvm_irq_routing entry " + index + " is outside 0.." + (capacity - 1));
        }
        return index;
    }
}
