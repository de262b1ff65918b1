// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.boot.TestMemory.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.jvmm.vmm.boot.E820Map.Entry;
import org.junit.jupiter.api.Test;

class E820MapTest {
    @Test
    void lowMemorySplitsAroundTheBiosArea() {
        assertEquals(List.of(
                        new Entry(0, 0x9fc00, E820Map.TYPE_RAM),
                        new Entry(0x9fc00, 0x60400, E820Map.TYPE_RESERVED),
                        new Entry(0x100000, 15 * MIB, E820Map.TYPE_RAM)),
                E820Map.forMemory(TestMemory.low(16 * MIB)).entries());
    }

    @Test
    void ramAbove4GiBGetsItsOwnEntry() {
        var mem = TestMemory.regions(0, 8 * MIB, GuestLayout.FOUR_GIB, 2 * MIB);
        assertEquals(new Entry(GuestLayout.FOUR_GIB, 2 * MIB, E820Map.TYPE_RAM),
                E820Map.forMemory(mem).entries().get(3));
    }

    @Test
    void adjacentRegionsMergeIntoOneEntry() {
        var mem = TestMemory.regions(0, 2 * MIB, 2 * MIB, 2 * MIB);
        assertEquals(new Entry(0x100000, 3 * MIB, E820Map.TYPE_RAM), E820Map.forMemory(mem).entries().get(2));
        assertEquals(3, E820Map.forMemory(mem).entries().size());
    }

    @Test
    void tooManyRegionsAreRefused() {
        long[] pairs = new long[2 * 130];
        for (int i = 0; i < 130; i++) {
            pairs[2 * i] = 2 * MIB + i * 8192L; // 4 KiB of RAM, 4 KiB hole
            pairs[2 * i + 1] = 4096;
        }
        var mem = TestMemory.regions(pairs);
        var e = assertThrows(BootConfigException.class, () -> E820Map.forMemory(mem));
        assertEquals("guest memory map has 131 ranges, the zero page holds 128", e.getMessage());
    }

    @Test
    void ramRangesSkipThePciHole() {
        assertEquals(List.of(new GuestLayout.Range(0, 0xc000_0000L), new GuestLayout.Range(GuestLayout.FOUR_GIB, 1L << 30)),
                GuestLayout.ramRanges(4L << 30));
        assertEquals(List.of(new GuestLayout.Range(0, 512 * MIB)), GuestLayout.ramRanges(512 * MIB));
    }
}
