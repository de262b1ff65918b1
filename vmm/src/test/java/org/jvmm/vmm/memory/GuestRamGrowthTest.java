// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** RAM that grows at run time: where it goes, what the area refuses, and readers racing the growth. */
class GuestRamGrowthTest {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long CHUNK = HotplugArea.CHUNK;

    @Test
    void theAreaStartsAbove4GibAfterTheBootRamOnAChunkBoundary() {
        assertEquals(4 * GIB, X86Layout.hotplugBase(512 * MIB), "small guests: at 4 GiB, past the hole");
        assertEquals(4 * GIB, X86Layout.hotplugBase(3 * GIB), "RAM that just fills below the hole");
        assertEquals(5 * GIB, X86Layout.hotplugBase(4 * GIB), "1 GiB above 4 GiB: after it");
        assertEquals(4 * GIB + 2 * CHUNK, X86Layout.hotplugBase(3 * GIB + CHUNK + 4096), "rounded up to a chunk");
    }

    @Test
    void pluggedChunksBecomeRamInOrderAndTheAreaStopsAtItsCapacity() {
        try (GuestRam ram = GuestRam.allocate(16 * MIB, GuestRam.Backing.MEMFD)) {
            HotplugArea area = HotplugArea.after(ram, 16 * MIB, 16 * MIB + 200 * MIB);
            assertEquals(200 * MIB, area.limit());
            assertEquals(2 * CHUNK, area.capacity(), "the limit rounded up to a chunk");
            assertFalse(ram.memory().isRam(4 * GIB, 1));
            assertEquals(4 * GIB, area.plug(CHUNK));
            assertEquals(4 * GIB + CHUNK, area.plug(CHUNK));
            assertEquals(16 * MIB + 2 * CHUNK, ram.memory().totalSize());
            assertEquals(3, ram.regions().size(), "one region (slot) per plug after the boot range");
            ram.memory().writeLong(4 * GIB + 2 * CHUNK - 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, ram.memory().readLong(4 * GIB + 2 * CHUNK - 8));
            assertTrue(ram.memory().discard(4 * GIB, CHUNK), "a plugged chunk can be given back like boot RAM");
            assertThrows(IllegalArgumentException.class, () -> area.plug(CHUNK), "past the capacity");
            assertThrows(IllegalArgumentException.class, () -> HotplugArea.after(ram, 16 * MIB, 16 * MIB).plug(CHUNK));
        }
    }

    @Test
    void badPlugsAndOverlapsAreRefused() {
        try (GuestRam ram = GuestRam.allocate(16 * MIB)) {
            HotplugArea area = HotplugArea.after(ram, 16 * MIB, 16 * MIB + 4 * CHUNK);
            assertThrows(IllegalArgumentException.class, () -> area.plug(CHUNK - 4096));
            assertThrows(IllegalArgumentException.class, () -> area.plug(0));
            assertThrows(IllegalArgumentException.class, () -> area.plug(-CHUNK));
            assertThrows(IllegalArgumentException.class, () -> new HotplugArea(ram, 4 * GIB + 4096, CHUNK));
            assertThrows(IllegalArgumentException.class, () -> ram.add(8 * MIB, CHUNK), "over boot RAM");
            assertEquals(1, ram.regions().size(), "nothing was mapped for a refused plug");
            area.plug(CHUNK);
            assertThrows(IllegalArgumentException.class, () -> ram.add(4 * GIB, CHUNK), "over plugged RAM");
        }
    }

    @Test
    void plugsAfterCloseAreRefused() {
        GuestRam ram = GuestRam.allocate(16 * MIB);
        HotplugArea area = HotplugArea.after(ram, 16 * MIB, 16 * MIB + CHUNK);
        ram.close();
        assertThrows(IllegalStateException.class, () -> area.plug(CHUNK));
    }

    /**
     * Device threads read while RAM grows: the boot range must stay RAM throughout, a plugged
     * chunk once seen must stay seen, and every view of the regions must be sorted and disjoint.
     */
    @Test
    void readersRacingTheGrowthSeeOnlyWholeLists() throws Exception {
        int chunks = 64;
        try (GuestRam ram = GuestRam.allocate(16 * MIB)) {
            HotplugArea area = HotplugArea.after(ram, 16 * MIB, 16 * MIB + chunks * CHUNK);
            GuestMemory mem = ram.memory();
            mem.writeLong(8 * MIB, 42);
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(3);
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                Thread r = new Thread(() -> {
                    int seen = 0;
                    started.countDown();
                    try {
                        while (!done.get() || seen < chunks) {
                            if (mem.readLong(8 * MIB) != 42) {
                                throw new AssertionError("boot RAM changed");
                            }
                            while (seen < chunks && mem.isRam(4 * GIB + seen * CHUNK, CHUNK)) {
                                mem.readByte(4 * GIB + seen * CHUNK + CHUNK - 1);
                                seen++;
                            }
                            for (int i = 0; i < seen; i++) {
                                if (!mem.isRam(4 * GIB + i * CHUNK, 4096)) {
                                    throw new AssertionError("chunk " + i + " was seen, then vanished");
                                }
                            }
                            List<GuestRegion> view = mem.regions();
                            for (int i = 1; i < view.size(); i++) {
                                if (view.get(i).gpa() < view.get(i - 1).end()) {
                                    throw new AssertionError("a torn or unsorted view: " + view);
                                }
                            }
                            if (done.get() && seen < chunks && !mem.isRam(4 * GIB + seen * CHUNK, CHUNK)) {
                                throw new AssertionError("chunk " + seen + " missing after growth ended");
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                r.start();
                readers.add(r);
            }
            started.await();
            for (int i = 0; i < chunks; i++) {
                area.plug(CHUNK);
            }
            done.set(true);
            for (Thread r : readers) {
                r.join(30_000);
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(16 * MIB + chunks * CHUNK, mem.totalSize());
        }
    }
}
