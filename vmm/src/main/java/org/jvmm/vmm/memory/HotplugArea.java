// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.memory;

/**
 * The guest-physical range where RAM can be added while the VM runs, up to the maximum the user
 * set ({@code jvmm run --max-memory}): a device that can tell the guest about new memory (Hyper-V
 * dynamic memory's hot-add) asks for more with {@link #plug}, and the area maps it, as the next
 * KVM slot, right after what it plugged before. The area only grows; memory plugged stays until
 * the VM ends (the guest may have put it to use; a balloon can still take pages back).
 *
 * <p>Safe for any thread: plugging is serialised here and published to {@link GuestMemory} as
 * {@link GuestRam#add} describes.
 */
public final class HotplugArea {
    /** Plugging goes in units of this many bytes. */
    public static final long CHUNK = X86Layout.HOTPLUG_ALIGN;

    private final GuestRam ram;
    private final long base;
    private final long limit;
    private long plugged;

    /**
     * @param base  first guest-physical address, {@link #CHUNK}-aligned, above all RAM
     * @param limit how many bytes the guest may gain at most (a positive multiple of 4 KiB); the
     *              area maps up to that rounded up to a chunk, the device hands out no more than it
     */
    public HotplugArea(GuestRam ram, long base, long limit) {
        if ((base & (CHUNK - 1)) != 0 || limit <= 0 || (limit & 0xfff) != 0
                || base < 0 || limit > Long.MAX_VALUE - base - CHUNK) {
            throw new IllegalArgumentException("hot-plug area 0x%x+0x%x".formatted(base, limit));
        }
        this.ram = ram;
        this.base = base;
        this.limit = limit;
    }

    /** For a machine of {@code bootBytes} that may grow to {@code maxBytes}: the area after its RAM. */
    public static HotplugArea after(GuestRam ram, long bootBytes, long maxBytes) {
        return new HotplugArea(ram, X86Layout.hotplugBase(bootBytes), maxBytes - bootBytes);
    }

    public long base() {
        return base;
    }

    /** The most bytes the guest may gain. */
    public long limit() {
        return limit;
    }

    /** Bytes mapped so far, from {@link #base()}. */
    public synchronized long plugged() {
        return plugged;
    }

    /** Bytes the area can map at most: {@link #limit()} rounded up to a chunk. */
    public long capacity() {
        return (limit + CHUNK - 1) & -CHUNK;
    }

    /**
     * Maps {@code bytes} more (a positive multiple of {@link #CHUNK}, within {@link #capacity()})
     * right after what is plugged, as guest RAM, and returns its guest-physical address.
     *
     * @throws org.jvmm.vmm.VmmException when the host refuses the memory
     */
    public synchronized long plug(long bytes) {
        if (bytes <= 0 || (bytes & (CHUNK - 1)) != 0 || bytes > capacity() - plugged) {
            throw new IllegalArgumentException("cannot plug 0x%x bytes: 0x%x of 0x%x plugged"
                    .formatted(bytes, plugged, capacity()));
        }
        long gpa = base + plugged;
        ram.add(gpa, bytes);
        plugged += bytes;
        return gpa;
    }
}
