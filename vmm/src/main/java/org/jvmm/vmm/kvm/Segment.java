// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

/**
 * A copy of {@code struct kvm_segment}: a segment register with its hidden descriptor cache.
 * {@code type} is the 4-bit descriptor type; {@code s} is 1 for code/data, 0 for system segments.
 */
public record Segment(long base, int limit, int selector, int type, int present, int dpl,
                      int db, int s, int l, int g, int avl, int unusable) {

    /** A real-mode segment: base = selector * 16, 64 KiB limit, present, 16-bit. */
    public static Segment realMode(int selector, int type) {
        return new Segment((long) selector << 4, 0xffff, selector, type, 1, 0, 0, 1, 0, 0, 0, 0);
    }

    /** A flat 64-bit code segment (L=1, D=0) for long mode. */
    public static Segment flatCode64(int selector) {
        return new Segment(0, 0xffffffff, selector, 0xb, 1, 0, 0, 1, 1, 1, 0, 0);
    }

    /** A flat data segment, read/write, accessed. */
    public static Segment flatData(int selector) {
        return new Segment(0, 0xffffffff, selector, 0x3, 1, 0, 1, 1, 0, 1, 0, 0);
    }

    /** A busy 64-bit TSS, which VM entry requires in TR even if the guest never uses it. */
    public static Segment tss64(int selector, long base, int limit) {
        return new Segment(base, limit, selector, 0xb, 1, 0, 0, 0, 0, 0, 0, 0);
    }
}
