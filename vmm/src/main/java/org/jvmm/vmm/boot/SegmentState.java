// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

/**
 * A segment register as KVM's struct kvm_segment holds it: the hidden descriptor cache, with the
 * limit in bytes (already scaled by G). The VM builder copies the fields one to one.
 */
public record SegmentState(
        long base,
        int limit,
        int selector,
        int type,
        boolean present,
        int dpl,
        boolean db,
        boolean s,
        boolean l,
        boolean g,
        boolean avl,
        boolean unusable) {

    /** The access byte plus flags nibble as a GDT entry encodes them (bits 40..55 of the entry). */
    int descriptorFlags() {
        return type
                | (s ? 1 << 4 : 0)
                | dpl << 5
                | (present ? 1 << 7 : 0)
                | (avl ? 1 << 12 : 0)
                | (l ? 1 << 13 : 0)
                | (db ? 1 << 14 : 0)
                | (g ? 1 << 15 : 0);
    }

    /** The 8-byte GDT entry describing this segment (the low half, for system segments). */
    long descriptor() {
        long rawLimit = g ? Integer.toUnsignedLong(limit) >>> 12 : Integer.toUnsignedLong(limit);
        int flags = descriptorFlags();
        return (rawLimit & 0xffffL)
                | (base & 0xffffffL) << 16
                | (long) (flags & 0xff) << 40
                | ((rawLimit >>> 16) & 0xfL) << 48
                | (long) (flags >>> 12 & 0xf) << 52
                | ((base >>> 24) & 0xffL) << 56;
    }
}
