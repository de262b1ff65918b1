// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.testing.RecordingDevice;
import org.jvmm.vmm.testing.RecordingDevice.Access;

class BusTest {

    @Test
    void overlappingRangeIsRefusedWithBothNames() {
        Bus bus = new Bus("pio");
        bus.register(0x3f8, 8, new RecordingDevice(), "com1");
        BusException e = assertThrows(BusException.class, () -> bus.register(0x3ff, 2, new RecordingDevice(), "dup"));
        assertEquals("pio bus: dup at [0x3ff, 0x400] overlaps com1 at [0x3f8, 0x3ff]", e.getMessage());
        assertThrows(BusException.class, () -> bus.register(0x3f0, 0x100, new RecordingDevice(), "around"));
        assertThrows(BusException.class, () -> bus.register(0x3f9, 1, new RecordingDevice(), "inside"));
    }

    @Test
    void adjacentRangesAreFine() {
        Bus bus = new Bus("pio");
        bus.register(0x10, 0x10, new RecordingDevice(), "a");
        bus.register(0x20, 0x10, new RecordingDevice(), "b");
        bus.register(0x0, 0x10, new RecordingDevice(), "c");
        assertEquals(List.of("c [0x0, 0xf]", "a [0x10, 0x1f]", "b [0x20, 0x2f]"), bus.describe());
    }

    @Test
    void emptyOrWrappingRangesAreRefused() {
        Bus bus = new Bus("mmio");
        assertThrows(BusException.class, () -> bus.register(0x1000, 0, new RecordingDevice(), "empty"));
        assertThrows(BusException.class, () -> bus.register(-16, 32, new RecordingDevice(), "wraps"));
        bus.register(-16, 16, new RecordingDevice(), "top"); // ends exactly at 2^64
        assertTrue(bus.isClaimed(-1));
    }

    @Test
    void accessesGoToTheOwnerWithRelativeOffsets() {
        Bus bus = new Bus("mmio");
        RecordingDevice a = new RecordingDevice().defaultReply(0x11);
        RecordingDevice b = new RecordingDevice().defaultReply(0x22);
        bus.register(0xd000_0000L, 0x1000, a, "a");
        bus.register(0xfee0_0000L, 0x1000, b, "b");
        assertEquals(0x11, bus.read(0xd000_0ffcL, 4));
        bus.write(0xfee0_0010L, 4, 7);
        assertEquals(List.of(new Access(false, 0xffc, 4, 0x11)), a.accesses());
        assertEquals(List.of(new Access(true, 0x10, 4, 7)), b.accesses());
    }

    @Test
    void unclaimedReadsAreAllOnesAndWritesAreDropped() {
        Bus bus = new Bus("pio");
        RecordingDevice d = new RecordingDevice();
        bus.register(0x60, 1, d, "kbd");
        assertEquals(0xffL, bus.read(0x61, 1));
        assertEquals(0xffffL, bus.read(0x5f, 2));
        assertEquals(0xffff_ffffL, bus.read(0, 4));
        assertEquals(-1L, bus.read(0, 8));
        bus.write(0x61, 1, 0);
        assertFalse(bus.isClaimed(0x61));
        assertEquals(List.of(), d.accesses());
    }

    @Test
    void lookupFindsEveryDeviceAmongMany() {
        Bus bus = new Bus("pio");
        RecordingDevice[] devs = new RecordingDevice[100];
        for (int i = 99; i >= 0; i--) {
            devs[i] = new RecordingDevice().defaultReply(i);
            bus.register(i * 16L, 8, devs[i], "d" + i);
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(i, bus.read(i * 16L + 7, 1));
            assertEquals(0xff, bus.read(i * 16L + 8, 1), "gap after d" + i);
        }
    }
}
