// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.libc;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SequenceLayout;

/**
 * Signal sets, manipulated in Java instead of through libc's {@code sigemptyset}/{@code sigaddset}.
 *
 * <p>glibc's {@code sigset_t} is 1024 bits; the kernel reads only the first 64 (one bit per signal,
 * bit {@code sig - 1}), which is also what {@code KVM_SET_SIGNAL_MASK} takes in
 * {@code kvm_signal_mask.sigset} with {@code len} = {@link #KERNEL_SIZE}. Doing the bit work here
 * avoids a downcall per bit, and the same segment feeds both libc and KVM.
 */
public final class SigSet {

    private SigSet() {
    }

    /** glibc's {@code sigset_t}: 128 bytes. */
    public static final SequenceLayout LAYOUT = MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("sigset_t");

    /** Bytes of a sigset the kernel uses ({@code _NSIG / 8} on x86_64), the {@code len} KVM expects. */
    public static final int KERNEL_SIZE = 8;

    /** The highest signal number Linux has on x86_64 ({@code _NSIG - 1}). */
    public static final int MAX_SIGNAL = 64;

    /** Allocates an empty set. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);  // allocators hand out zeroed memory
    }

    /** {@code sigemptyset(set)}. */
    public static void empty(MemorySegment set) {
        set.asSlice(0, LAYOUT.byteSize()).fill((byte) 0);
    }

    /** {@code sigaddset(set, sig)}. */
    public static void add(MemorySegment set, int sig) {
        long word = wordOffset(sig);
        set.set(JAVA_LONG, word, set.get(JAVA_LONG, word) | bit(sig));
    }

    /** {@code sigdelset(set, sig)}. */
    public static void remove(MemorySegment set, int sig) {
        long word = wordOffset(sig);
        set.set(JAVA_LONG, word, set.get(JAVA_LONG, word) & ~bit(sig));
    }

    /** {@code sigismember(set, sig)}. */
    public static boolean contains(MemorySegment set, int sig) {
        return (set.get(JAVA_LONG, wordOffset(sig)) & bit(sig)) != 0;
    }

    private static long wordOffset(int sig) {
        if (sig < 1 || sig > MAX_SIGNAL) {
            throw new IllegalArgumentException("signal " + sig + " is outside 1.." + MAX_SIGNAL);
        }
        return (long) ((sig - 1) / 64) * Long.BYTES;
    }

    private static long bit(int sig) {
        return 1L << ((sig - 1) % 64);
    }
}
