// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.bus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Devices by address range: the port-I/O bus (16-bit ports) or the MMIO bus (guest-physical
 * addresses). A device owns {@code [base, base+length)}; a range overlapping one already taken is
 * refused when it is inserted, so every address has at most one owner.
 *
 * <p>Lookup is a binary search over an array sorted by base. Registration replaces the array
 * (copy on write) and publishes it through a volatile field, so vCPU threads read it without a
 * lock; devices are normally all registered before the first vCPU runs.
 *
 * <p>Unclaimed accesses follow what an empty ISA/PCI bus does on real hardware: a read returns
 * all ones (0xff.. of the access size, the value a floating bus reads as) and a write is dropped.
 * Both are logged at debug level only, because guests probe absent devices as a matter of course.
 */
public final class Bus {
    private static final Logger LOG = LoggerFactory.getLogger(Bus.class);

    /** An owned range, kept sorted by base. Fields are unsigned 64-bit addresses. */
    private record Entry(long base, long length, BusDevice device, String name) {
        long last() {
            return base + (length - 1);
        }
    }

    private final String busName;
    private volatile Entry[] entries = new Entry[0];

    /** {@code busName} appears in messages, e.g. "pio" or "mmio". */
    public Bus(String busName) {
        this.busName = Objects.requireNonNull(busName);
    }

    public String name() {
        return busName;
    }

    /**
     * Registers {@code device} for {@code [base, base+length)}. Throws {@link BusException} if the
     * range is empty, wraps past 2^64, or overlaps a registered range (the message names both).
     */
    public synchronized void register(long base, long length, BusDevice device, String name) {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(name, "name");
        if (length <= 0 || Long.compareUnsigned(base + (length - 1), base) < 0) {
            throw new BusException("%s bus: bad range for %s: base 0x%x length 0x%x"
                    .formatted(busName, name, base, length));
        }
        Entry added = new Entry(base, length, device, name);
        Entry[] old = entries;
        for (Entry e : old) {
            boolean disjoint = Long.compareUnsigned(added.last(), e.base) < 0
                    || Long.compareUnsigned(e.last(), added.base) < 0;
            if (!disjoint) {
                throw new BusException("%s bus: %s at [0x%x, 0x%x] overlaps %s at [0x%x, 0x%x]"
                        .formatted(busName, name, added.base, added.last(), e.name, e.base, e.last()));
            }
        }
        Entry[] next = Arrays.copyOf(old, old.length + 1);
        next[old.length] = added;
        Arrays.sort(next, (a, b) -> Long.compareUnsigned(a.base, b.base));
        entries = next;
    }

    /** Names and ranges of the registered devices, for diagnostics. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add("%s [0x%x, 0x%x]".formatted(e.name, e.base, e.last()));
        }
        return out;
    }

    /** The name the device owning {@code address} was registered with, or null if none does. */
    public String ownerName(long address) {
        Entry[] es = entries;
        int i = find(es, address);
        return i < 0 ? null : es[i].name;
    }

    /** True if a device owns {@code address}. */
    public boolean isClaimed(long address) {
        return find(entries, address) >= 0;
    }

    /**
     * A guest read of {@code size} bytes at {@code address}. An access that starts inside a device
     * but runs past its end still goes to that device: the device contract says sizes come from the
     * guest and are checked there.
     */
    public long read(long address, int size) {
        Entry[] es = entries;
        int i = find(es, address);
        if (i < 0) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("{} read of {} bytes at 0x{} is unclaimed", busName, size, Long.toHexString(address));
            }
            return allOnes(size);
        }
        Entry e = es[i];
        return e.device.read(address - e.base, size);
    }

    /** A guest write of {@code size} bytes at {@code address}; unclaimed writes are dropped. */
    public void write(long address, int size, long value) {
        Entry[] es = entries;
        int i = find(es, address);
        if (i < 0) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("{} write of {} bytes (0x{}) at 0x{} is unclaimed",
                        busName, size, Long.toHexString(value), Long.toHexString(address));
            }
            return;
        }
        Entry e = es[i];
        e.device.write(address - e.base, size, value);
    }

    /** The value an unclaimed read returns: all ones in the low {@code size} bytes. */
    public static long allOnes(int size) {
        return size >= 8 ? -1L : size <= 0 ? 0 : (1L << (size * 8)) - 1;
    }

    /** Index of the entry containing {@code address}, or -1. */
    private static int find(Entry[] es, long address) {
        int lo = 0;
        int hi = es.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Entry e = es[mid];
            if (Long.compareUnsigned(address, e.base) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(address - e.base, e.length) >= 0) {
                lo = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }
}
