// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus.balloon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jvmm.hyperv.vmbus.balloon.DynamicMemoryTest.le;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.vmbus.VmbusTestAccess;
import org.jvmm.hyperv.vmbus.VmbusTestAccess.GuestChannel;
import org.jvmm.vmm.memory.GuestRam;
import org.jvmm.vmm.memory.HotplugArea;

/**
 * Dynamic memory's hot-add against a guest that answers as Linux's hot_add_req does (pages taken,
 * result), and against one that lies. The machine boots with 16 MiB and may grow by 200 MiB; the
 * area sits at 4 GiB, so the test also checks the host really mapped what it offered.
 */
class HotAddTest {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long BOOT = 16 * MIB;
    static final long BASE_PAGE = 4 * GIB / 4096;
    GuestRam ram = GuestRam.allocate(BOOT);
    HotplugArea area = HotplugArea.after(ram, BOOT, BOOT + 200 * MIB);
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final List<Long> changes = new CopyOnWriteArrayList<>();
    DynamicMemory dm;
    GuestChannel guest;

    @AfterEach
    void stop() {
        timer.shutdownNow();
        ram.close();
    }

    /** A guest message of DynamicMemoryTest's shape, every one under transaction id 77. */
    static byte[] msg(int type, int size) {
        return DynamicMemoryTest.msg(type, size, 77);
    }

    /** Negotiates 2.0 and reports {@code caps} (Linux: balloon | hot_add | 128 MiB alignment). */
    void connect(Optional<HotplugArea> hotplug, long caps) {
        dm = new DynamicMemory(ram.memory(), timer, hotplug);
        dm.onChange(changes::add);
        guest = VmbusTestAccess.open(ram.memory(), dm, BOOT / 4096 - 8);
        byte[] v = msg(1, 16);
        le(v).putInt(8, 2 << 16);
        guest.send(v);
        assertEquals(1, guest.receive()[8]);
        byte[] c = msg(3, 32);
        le(c).putLong(8, caps).putLong(24, -1);
        guest.send(c);
        assertEquals(1, guest.receive()[8] & 1);
    }

    void connect() {
        connect(Optional.of(area), 1 | 2 | 7 << 2);
    }

    /** The next message must be a hot-add request: returns {start page, page count}. */
    long[] hotAddRequest() {
        byte[] r = guest.receive();
        assertEquals(10, le(r).getShort(0), "DM_MEM_HOT_ADD_REQUEST");
        assertEquals(16, le(r).getShort(2), "one range: Linux takes its ha_region from it");
        long range = le(r).getLong(8);
        return new long[] {range & ((1L << 40) - 1), range >>> 40};
    }

    void answer(long pages, int result) {
        byte[] a = msg(11, 16);
        le(a).putInt(8, (int) pages).putInt(12, result);
        guest.send(a);
    }

    @Test
    void aTargetAboveTheBootSizeIsHotAddedFromTheAreaInOrder() {
        connect();
        assertTrue(dm.setTarget(BOOT + 64 * MIB));
        long[] first = hotAddRequest();
        assertEquals(BASE_PAGE, first[0], "at the area's start, 128 MiB-aligned");
        assertEquals(64 * MIB / 4096, first[1]);
        assertTrue(ram.memory().isRam(4 * GIB, HotplugArea.CHUNK), "the whole chunk is mapped before the guest hears of it");
        assertNull(guest.tryReceive(), "one request at a time");
        answer(first[1], 1);
        assertEquals(BOOT + 64 * MIB, dm.actualBytes());
        assertEquals(BOOT + 64 * MIB, changes.getLast());
        assertTrue(dm.setTarget(BOOT + 200 * MIB));
        long[] second = hotAddRequest();
        assertEquals(BASE_PAGE + first[1], second[0], "continues where the first ended");
        assertEquals(136 * MIB / 4096, second[1]);
        assertTrue(ram.memory().isRam(4 * GIB + HotplugArea.CHUNK, HotplugArea.CHUNK), "a second chunk");
        answer(second[1], 1);
        assertEquals(BOOT + 200 * MIB, dm.actualBytes());
        assertTrue(dm.setTarget(8 * GIB), "above the maximum: clamped");
        assertNull(guest.tryReceive(), "nothing left to add");
        assertEquals(BOOT + 200 * MIB, dm.actualBytes());
    }

    @Test
    void theBalloonWorksOnHotAddedPagesAndDeflatesBeforeAddingMore() {
        connect();
        dm.setTarget(BOOT + 128 * MIB);
        long[] r = hotAddRequest();
        answer(r[1], 1);
        ram.memory().fill(4 * GIB, 4096, (byte) 7);
        dm.setTarget(BOOT + 120 * MIB);
        byte[] req = guest.receive();
        assertEquals(6, le(req).getShort(0), "DM_BALLOON_REQUEST");
        byte[] give = msg(7, 24);
        le(give).putInt(12, 1 << 1).putLong(16, BASE_PAGE | (8 * MIB / 4096) << 40);
        guest.send(give);
        assertEquals(BOOT + 120 * MIB, dm.actualBytes());
        assertEquals(0, ram.memory().readByte(4 * GIB), "a hot-added page given up is freed on the host");
        dm.setTarget(BOOT + 130 * MIB);
        byte[] un = guest.receive();
        assertEquals(8, le(un).getShort(0), "the balloon's pages come back first");
        assertEquals(BASE_PAGE, le(un).getLong(16) & ((1L << 40) - 1));
        long[] more = hotAddRequest();
        assertEquals(BASE_PAGE + r[1], more[0]);
        assertEquals(2 * MIB / 4096, more[1], "only what the balloon could not give back");
    }

    @Test
    void noHotAddForAGuestWithoutTheCapabilityOrAMachineWithoutRoom() {
        connect(Optional.of(area), 1);
        assertTrue(dm.setTarget(BOOT + 64 * MIB));
        assertNull(guest.tryReceive(), "the guest did not report hot_add");
        assertEquals(BOOT, dm.actualBytes());
        assertEquals(1, ram.regions().size(), "nothing mapped");
        connect(Optional.of(area), 1 | 2 | 9 << 2);
        assertTrue(dm.setTarget(BOOT + 64 * MIB));
        assertNull(guest.tryReceive(), "a guest that wants 512 MiB alignment: the area's chunks are smaller");
        connect(Optional.empty(), 1 | 2 | 7 << 2);
        assertTrue(dm.setTarget(BOOT + 64 * MIB));
        assertNull(guest.tryReceive(), "no --max-memory");
        assertEquals(BOOT, dm.actualBytes());
    }

    @Test
    void aGuestThatCannotAddSaysSoOnceAndIsNotAskedAgain() {
        connect();
        dm.setTarget(BOOT + 64 * MIB);
        hotAddRequest();
        answer(0, 1); // Linux without memory hot-plug: nothing, and "success" (a permanent failure)
        assertEquals(BOOT, dm.actualBytes());
        dm.setTarget(BOOT + 100 * MIB);
        assertNull(guest.tryReceive());
    }

    @Test
    void aTransientFailureIsRetriedWithTheSameRange() throws Exception {
        connect();
        dm.setTarget(BOOT + 64 * MIB);
        long[] r = hotAddRequest();
        answer(0, 0);
        byte[] again = null;
        for (int i = 0; i < 300 && again == null; i++) {
            Thread.sleep(10);
            again = guest.tryReceive();
        }
        assertNotNull(again, "asked again within 3 s");
        assertEquals(BASE_PAGE | r[1] << 40, le(again).getLong(8));
        answer(r[1], 1);
        assertEquals(BOOT + 64 * MIB, dm.actualBytes());
    }

    @Test
    void aPartialAnswerCountsWhatTheGuestTookAndThatRangeIsNotOfferedAgain() {
        connect();
        dm.setTarget(BOOT + 64 * MIB);
        long[] r = hotAddRequest();
        answer(r[1] / 2, 1);
        assertEquals(BOOT + 32 * MIB, dm.actualBytes());
        long[] next = hotAddRequest();
        assertEquals(BASE_PAGE + r[1], next[0], "past the range the guest took only half of");
        assertEquals(32 * MIB / 4096, next[1]);
    }

    @Test
    void hostileAnswersCountNothingAndStopHotAdd() {
        List<String> cases = new ArrayList<>();
        for (long[] lie : new long[][] {{64 * MIB / 4096 + 1, 1}, {0xffffffffL, 1}, {0x80000000L, 0}, {5, 2}, {5, -1}}) {
            ram.close(); // a fresh machine for each lie
            ram = GuestRam.allocate(BOOT);
            area = HotplugArea.after(ram, BOOT, BOOT + 200 * MIB);
            connect();
            int before = dm.rejected();
            dm.setTarget(BOOT + 64 * MIB);
            long[] r = hotAddRequest();
            assertEquals(64 * MIB / 4096, r[1]);
            answer(lie[0], (int) lie[1]);
            if (dm.actualBytes() > BOOT + 64 * MIB || dm.rejected() != before + 1) {
                cases.add(lie[0] + "/" + lie[1] + ": " + dm.actualBytes() + " rejected " + dm.rejected());
            }
            dm.setTarget(BOOT + 100 * MIB);
            if (guest.tryReceive() != null) {
                cases.add(lie[0] + "/" + lie[1] + ": asked again after a lie");
            }
        }
        assertEquals(List.of(), cases);
    }

    @Test
    void strayShortAndOutOfTurnAnswersAreRejected() {
        connect();
        answer(10, 1); // nobody asked
        assertEquals(1, dm.rejected());
        assertEquals(BOOT, dm.actualBytes());
        dm.setTarget(BOOT + 64 * MIB);
        long[] r = hotAddRequest();
        guest.send(msg(11, 12)); // too short for page_count and result (u32 each)
        assertEquals(2, dm.rejected());
        answer(r[1], 1); // the real answer still counts
        assertEquals(BOOT + 64 * MIB, dm.actualBytes());
        answer(r[1], 1); // a second answer to the same request
        assertEquals(3, dm.rejected());
        assertEquals(BOOT + 64 * MIB, dm.actualBytes());
    }

    @Test
    void pagesMappedButNeverTakenCannotBeBallooned() {
        connect();
        dm.setTarget(BOOT + 64 * MIB);
        long[] r = hotAddRequest();
        answer(r[1] / 2, 1); // took the first 32 MiB of a mapped 128 MiB chunk
        hotAddRequest();     // the rest, offered past that range
        answer(0, 1);        // and refused for good
        assertEquals(BOOT + 32 * MIB, dm.actualBytes());
        ram.memory().fill(4 * GIB + 40 * MIB, 4096, (byte) 9);
        dm.setTarget(4 * MIB);
        assertEquals(6, le(guest.receive()).getShort(0), "DM_BALLOON_REQUEST");
        int before = dm.rejected();
        long chunkPages = HotplugArea.CHUNK / 4096;
        byte[] give = msg(7, 16 + 8 * 4);
        le(give).putInt(12, 4 << 1)
                .putLong(16, (BASE_PAGE + r[1] / 2) | (chunkPages - r[1] / 2) << 40) // mapped, never taken
                .putLong(24, (BASE_PAGE + 40 * MIB / 4096) | 512L << 40)              // the same, 2 MiB
                .putLong(32, (BASE_PAGE + r[1] / 2 - 256) | 512L << 40)               // straddles the end of what it took
                .putLong(40, BASE_PAGE | 512L << 40);                                 // its own: taken
        guest.send(give);
        assertEquals(before + 3, dm.rejected());
        assertEquals(BOOT + 30 * MIB, dm.actualBytes(), "only the 2 MiB it had left the guest");
        assertEquals(9, ram.memory().readByte(4 * GIB + 40 * MIB), "a refused range is not freed");
    }

    @Test
    void noBalloonRequestWhileAHotAddIsOutstanding() {
        connect();
        dm.setTarget(BOOT + 64 * MIB);
        long[] r = hotAddRequest();
        dm.setTarget(BOOT - 4 * MIB);
        assertNull(guest.tryReceive(), "Linux handles one operation at a time");
        answer(r[1], 1);
        byte[] req = guest.receive();
        assertEquals(6, le(req).getShort(0), "the balloon request once the hot-add is answered");
        assertEquals(68 * MIB / 4096, le(req).getInt(8));
    }
}
