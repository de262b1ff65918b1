// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.VmmException;

/** Guest RAM mappings and their bounds, without KVM. */
class GuestRamTest {

    @Test
    void accessesAtTheEdgesOfRam() {
        try (GuestRam ram = GuestRam.allocate(1 << 20)) {
            GuestMemory m = ram.memory();
            long end = 1 << 20;
            m.writeByte(end - 1, (byte) 7);
            assertEquals(7, m.readByte(end - 1));
            m.writeLong(end - 8, 0x0102030405060708L);
            assertThrows(GuestMemoryException.class, () -> m.readByte(end));
            assertThrows(GuestMemoryException.class, () -> m.readInt(end - 2));
            assertThrows(GuestMemoryException.class, () -> m.slice(end - 1, Long.MAX_VALUE));
            assertThrows(GuestMemoryException.class, () -> m.slice(Long.MAX_VALUE, 2));
            assertThrows(GuestMemoryException.class, () -> m.readByte(-1));
            GuestMemoryException e = assertThrows(GuestMemoryException.class, () -> m.read(end - 4, 8));
            assertEquals("guest-physical range 0xffffc+0x8 is outside guest RAM", e.getMessage());
        }
    }

    @Test
    void ramAbovePciHoleStartIsSplitAroundTheHole() {
        long size = 4L << 30; // MAP_NORESERVE: nothing is committed
        try (GuestRam ram = GuestRam.allocate(size)) {
            List<GuestRegion> r = ram.regions();
            assertEquals(2, r.size());
            assertEquals(0, r.get(0).gpa());
            assertEquals(X86Layout.PCI_HOLE_START, r.get(0).size());
            assertEquals(X86Layout.HIGH_RAM_START, r.get(1).gpa());
            assertEquals(size - X86Layout.PCI_HOLE_START, r.get(1).size());
            assertEquals(size, ram.size());
            GuestMemory m = ram.memory();
            m.writeInt(X86Layout.HIGH_RAM_START, 0x55aa);
            assertEquals(0x55aa, m.readInt(X86Layout.HIGH_RAM_START));
            assertThrows(GuestMemoryException.class, () -> m.readInt(X86Layout.PCI_HOLE_START));
            assertThrows(GuestMemoryException.class, () -> m.readInt(X86Layout.PCI_HOLE_START - 2));
        }
    }

    @Test
    void overlapsRamTellsPartlyFromWhollyOutside() {
        GuestMemory m = GuestMemory.of(List.of(
                new GuestRegion(0x10000, java.lang.foreign.Arena.ofAuto().allocate(0x10000))));
        assertEquals(true, m.overlapsRam(0x10000 - 1, 2), "the first byte");
        assertEquals(true, m.overlapsRam(0x20000 - 1, 256), "the last byte");
        assertEquals(true, m.overlapsRam(0x0, 0x30000), "all of it and more");
        assertEquals(false, m.overlapsRam(0x10000 - 256, 256), "ends just below");
        assertEquals(false, m.overlapsRam(0x20000, 256), "starts just past");
        assertEquals(false, m.overlapsRam(0x10000, 0), "empty");
        assertEquals(false, m.overlapsRam(-128, 256), "cut at 2^64");
        assertEquals(false, m.overlapsRam(Long.MIN_VALUE, Long.MAX_VALUE), "upper half");
    }

    @Test
    void memfdBackingWorksLikeAnonymous() {
        try (GuestRam ram = GuestRam.allocate(64 << 10, GuestRam.Backing.MEMFD)) {
            ram.memory().write(0x100, new byte[] {1, 2, 3});
            assertEquals(3, ram.memory().read(0x100, 3)[2]);
        }
    }

    @Test
    void memoryIsUnusableAfterClose() {
        GuestRam ram = GuestRam.allocate(64 << 10);
        GuestMemory m = ram.memory();
        ram.close();
        assertThrows(IllegalStateException.class, () -> m.readByte(0));
        ram.close(); // idempotent
    }

    @Test
    void badSizesAreRefused() {
        assertThrows(VmmException.class, () -> GuestRam.allocate(0));
        assertThrows(VmmException.class, () -> GuestRam.allocate(4097));
    }
}
