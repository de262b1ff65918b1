// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.fuzz;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRegion;

/**
 * Guest RAM for fuzzing: two regions with a hole between them (so "inside RAM" and "inside one
 * region" differ), each with guard bands of host memory right before and after it, filled with a
 * pattern. Code that writes through a view wider than the guest range it checked lands in a guard
 * band, which {@link #checkGuards()} reports; a read past the end is not visible this way, but any
 * access through {@link GuestMemory}'s bounded slices that overruns throws there instead.
 */
public final class GuardedRam implements AutoCloseable {
    public static final long GUARD = 4096;
    private static final byte PATTERN = (byte) 0xA5;

    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> whole = new ArrayList<>();
    private final List<MemorySegment> inner = new ArrayList<>();
    private final GuestMemory memory;

    /** RAM at [0, lowSize) and at [highBase, highBase + highSize). */
    public GuardedRam(long lowSize, long highBase, long highSize) {
        List<GuestRegion> regions = new ArrayList<>();
        regions.add(region(0, lowSize));
        regions.add(region(highBase, highSize));
        memory = GuestMemory.of(regions);
        reset();
    }

    private GuestRegion region(long gpa, long size) {
        MemorySegment all = arena.allocate(size + 2 * GUARD, 4096);
        whole.add(all);
        MemorySegment ram = all.asSlice(GUARD, size);
        inner.add(ram);
        return new GuestRegion(gpa, ram);
    }

    public GuestMemory memory() {
        return memory;
    }

    /** Zeroes the RAM and re-arms the guards, so each input starts from the same state. */
    public void reset() {
        for (int i = 0; i < whole.size(); i++) {
            MemorySegment all = whole.get(i);
            all.asSlice(0, GUARD).fill(PATTERN);
            inner.get(i).fill((byte) 0);
            all.asSlice(GUARD + inner.get(i).byteSize(), GUARD).fill(PATTERN);
        }
    }

    /** Throws AssertionError naming the first guard byte that changed. */
    public void checkGuards() {
        for (int i = 0; i < whole.size(); i++) {
            MemorySegment all = whole.get(i);
            long after = GUARD + inner.get(i).byteSize();
            for (long off : new long[] {0, after}) {
                long bad = all.asSlice(off, GUARD).mismatch(guardPattern());
                if (bad >= 0) {
                    throw new AssertionError("host write outside guest RAM: guard band %s region %d changed at byte %d"
                            .formatted(off == 0 ? "before" : "after", i, bad));
                }
            }
        }
    }

    private MemorySegment pattern;

    private MemorySegment guardPattern() {
        if (pattern == null) {
            pattern = arena.allocate(GUARD);
            pattern.fill(PATTERN);
        }
        return pattern;
    }

    /** Region {@code i}'s host memory with its guard bands, for tests of the guard itself. */
    MemorySegment host(int i) {
        return whole.get(i);
    }

    @Override
    public void close() {
        arena.close();
    }
}
