// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRegion;

/**
 * The BIOS memory map a directly booted kernel receives in the zero page. It is derived from the
 * guest's RAM regions: RAM below the EBDA, the EBDA/VGA/BIOS area reserved (the MP table lives
 * there), and RAM from 1 MiB on. Types from arch/x86/include/uapi/asm/e820.h (enum e820_type).
 */
public final class E820Map {
    public static final int TYPE_RAM = 1;
    public static final int TYPE_RESERVED = 2;
    /** E820_MAX_ENTRIES_ZEROPAGE: boot_params.e820_table has room for this many. */
    public static final int MAX_ENTRIES = 128;
    /** struct boot_e820_entry: u64 addr, u64 size, u32 type, packed. */
    public static final int ENTRY_SIZE = 20;

    public record Entry(long addr, long size, int type) {
        public long end() {
            return addr + size;
        }
    }

    private final List<Entry> entries;

    private E820Map(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static E820Map forMemory(GuestMemory mem) {
        List<Entry> out = new ArrayList<>();
        for (GuestRegion r : mem.regions()) {
            addClipped(out, r.gpa(), r.end(), 0, GuestLayout.EBDA);
            addClipped(out, r.gpa(), r.end(), GuestLayout.HIGH_RAM, Long.MAX_VALUE);
        }
        out.add(new Entry(GuestLayout.EBDA, GuestLayout.HIGH_RAM - GuestLayout.EBDA, TYPE_RESERVED));
        out.sort(Comparator.comparingLong(Entry::addr));
        List<Entry> merged = new ArrayList<>();
        for (Entry e : out) {
            Entry last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && last.type() == e.type() && last.end() == e.addr()) {
                merged.set(merged.size() - 1, new Entry(last.addr(), last.size() + e.size(), e.type()));
            } else {
                merged.add(e);
            }
        }
        if (merged.size() > MAX_ENTRIES) {
            throw new BootConfigException("guest memory map has %d ranges, the zero page holds %d"
                    .formatted(merged.size(), MAX_ENTRIES));
        }
        return new E820Map(merged);
    }

    private static void addClipped(List<Entry> out, long start, long end, long lo, long hi) {
        long s = Math.max(start, lo);
        long e = Math.min(end, hi);
        if (s < e) {
            out.add(new Entry(s, e - s, TYPE_RAM));
        }
    }

    public List<Entry> entries() {
        return entries;
    }
}
