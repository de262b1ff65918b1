// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Guest-physical memory as the VMM sees it: every access by a loader, device or exit handler goes
 * through here. An access must lie wholly inside one region; anything else raises
 * {@link GuestMemoryException} with the guest address, before host memory is touched. Guest
 * addresses are unsigned 64-bit values; those with the top bit set are never RAM.
 *
 * <p>The class does not own the memory: whoever allocated the regions (anonymous mmap, memfd,
 * or an arena in tests) frees them after the VM that uses them is gone.
 *
 * <p>RAM can grow while the VM runs (memory hot-add, {@link HotplugArea}): the regions are an
 * immutable sorted array published through a volatile field, and every method reads that field
 * once, so a vCPU or device thread checking an address sees either the list before a region was
 * added or the one after, never a mix. Regions are only ever added, never removed.
 */
public final class GuestMemory {
    /** x86 guests are little-endian; the layouts say so, whatever the host order. */
    public static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt LE_INT =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong LE_LONG =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private volatile GuestRegion[] regions;

    private GuestMemory(GuestRegion[] regions) {
        this.regions = regions;
    }

    /** Regions in any order; they must not overlap. */
    public static GuestMemory of(List<GuestRegion> regions) {
        return new GuestMemory(sorted(regions.toArray(GuestRegion[]::new)));
    }

    private static GuestRegion[] sorted(GuestRegion[] sorted) {
        Arrays.sort(sorted, Comparator.comparingLong(GuestRegion::gpa));
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i].gpa() < sorted[i - 1].end()) {
                throw new IllegalArgumentException("guest regions overlap at 0x%x".formatted(sorted[i].gpa()));
            }
        }
        return sorted;
    }

    /**
     * Adds a region at run time (memory hot-add). Writers are serialised here; readers never
     * lock: they see the new array only once it is complete.
     */
    synchronized void add(GuestRegion region) {
        GuestRegion[] now = regions;
        GuestRegion[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = region;
        regions = sorted(next);
    }

    public List<GuestRegion> regions() {
        return List.of(regions);
    }

    /** Total bytes of RAM over all regions. */
    public long totalSize() {
        long total = 0;
        for (GuestRegion r : regions) {
            total += r.size();
        }
        return total;
    }

    /** True if {@code [gpa, gpa+length)} is wholly inside one region. */
    public boolean isRam(long gpa, long length) {
        return find(gpa, length) != null;
    }

    /**
     * True if any byte of {@code [gpa, gpa+length)} is RAM (addresses compare unsigned; a range
     * running past 2^64 is cut there). With {@link #isRam} it tells a range wholly outside RAM
     * from one that only partly is.
     */
    public boolean overlapsRam(long gpa, long length) {
        if (length <= 0) {
            return false;
        }
        long last = Long.compareUnsigned(gpa, -length) > 0 ? -1L : gpa + length - 1;
        for (GuestRegion r : regions) {
            if (Long.compareUnsigned(r.gpa(), last) <= 0 && Long.compareUnsigned(gpa, r.end() - 1) <= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * A host view of {@code [gpa, gpa+length)}. The view is bounded to that range, so code handed
     * it cannot reach past it; it stays valid as long as the region's memory is mapped.
     */
    public MemorySegment slice(long gpa, long length) {
        GuestRegion r = find(gpa, length);
        if (r == null) {
            throw new GuestMemoryException(gpa, length);
        }
        return r.host().asSlice(gpa - r.gpa(), length);
    }

    public byte readByte(long gpa) {
        return slice(gpa, 1).get(ValueLayout.JAVA_BYTE, 0);
    }

    public short readShort(long gpa) {
        return slice(gpa, 2).get(LE_SHORT, 0);
    }

    public int readInt(long gpa) {
        return slice(gpa, 4).get(LE_INT, 0);
    }

    public long readLong(long gpa) {
        return slice(gpa, 8).get(LE_LONG, 0);
    }

    public void writeByte(long gpa, byte value) {
        slice(gpa, 1).set(ValueLayout.JAVA_BYTE, 0, value);
    }

    public void writeShort(long gpa, short value) {
        slice(gpa, 2).set(LE_SHORT, 0, value);
    }

    public void writeInt(long gpa, int value) {
        slice(gpa, 4).set(LE_INT, 0, value);
    }

    public void writeLong(long gpa, long value) {
        slice(gpa, 8).set(LE_LONG, 0, value);
    }

    /** Copies all of {@code src} to guest memory at {@code gpa}. */
    public void write(long gpa, byte[] src) {
        MemorySegment.copy(src, 0, slice(gpa, src.length), ValueLayout.JAVA_BYTE, 0, src.length);
    }

    /** Copies {@code src} (any segment, e.g. a mapped file) to guest memory at {@code gpa}. */
    public void write(long gpa, MemorySegment src) {
        slice(gpa, src.byteSize()).copyFrom(src);
    }

    /** Fills {@code dst} from guest memory at {@code gpa}. */
    public void read(long gpa, byte[] dst) {
        MemorySegment.copy(slice(gpa, dst.length), ValueLayout.JAVA_BYTE, 0, dst, 0, dst.length);
    }

    public byte[] read(long gpa, int length) {
        byte[] out = new byte[length];
        read(gpa, out);
        return out;
    }

    /**
     * Gives the host memory behind {@code [gpa, gpa+length)} back to the host (a balloon's use):
     * {@code madvise(MADV_REMOVE)}, which frees the pages of a shared (anonymous or memfd)
     * mapping, as punching a hole in its file would; the guest reads zeros there afterwards and
     * the host commits new pages when it writes. Both ends must be page-aligned. Returns false
     * when the kernel refuses (e.g. memory that is not a shared mapping), changing nothing.
     */
    public boolean discard(long gpa, long length) {
        if ((gpa & 0xfff) != 0 || (length & 0xfff) != 0 || length <= 0) {
            throw new IllegalArgumentException("discard of 0x%x+0x%x is not page-aligned".formatted(gpa, length));
        }
        return org.jvmm.vmm.sys.Posix.madvise(slice(gpa, length), org.jvmm.bindings.libc.LibC.MADV_REMOVE);
    }

    public void fill(long gpa, long length, byte value) {
        slice(gpa, length).fill(value);
    }

    private GuestRegion find(long gpa, long length) {
        if (gpa < 0 || length < 0) {
            return null;
        }
        for (GuestRegion r : regions) {
            if (r.contains(gpa, length)) {
                return r;
            }
        }
        return null;
    }

}
