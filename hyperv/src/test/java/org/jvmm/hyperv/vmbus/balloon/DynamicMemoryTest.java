// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus.balloon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.vmbus.VmbusTestAccess;
import org.jvmm.hyperv.vmbus.VmbusTestAccess.GuestChannel;
import org.jvmm.vmm.memory.GuestRam;

/**
 * The dynamic-memory device against a guest that speaks as Linux's hv_balloon does: version 2.0,
 * capabilities with the balloon bit, status reports, and balloon responses whose ranges are pages
 * it gave up. RAM is a real shared mapping, so the test can see pages come back as zeros.
 */
class DynamicMemoryTest {
    static final int MIB = 1 << 20;
    final GuestRam ram = GuestRam.allocate(16L * MIB);
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final List<Long> changes = new ArrayList<>();
    DynamicMemory dm;
    GuestChannel guest;

    @AfterEach
    void stop() {
        timer.shutdownNow();
        ram.close();
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] msg(int type, int size, int trans) {
        byte[] m = new byte[size];
        le(m).putShort(0, (short) type).putShort(2, (short) size).putInt(4, trans);
        return m;
    }

    void connect() {
        dm = new DynamicMemory(ram.memory(), timer);
        dm.onChange(changes::add);
        // The channel's rings live in the last 8 pages of RAM; the balloon test uses pages below.
        guest = VmbusTestAccess.open(ram.memory(), dm, (16L * MIB) / 4096 - 8);
        byte[] v = msg(1, 16, 11);
        le(v).putInt(8, 2 << 16);
        guest.send(v);
        byte[] vr = guest.receive();
        assertEquals(2, le(vr).getShort(0), "DM_VERSION_RESPONSE");
        assertEquals(11, le(vr).getInt(4), "the request's transaction id");
        assertEquals(1, vr[8], "version 2.0 accepted");
        byte[] caps = msg(3, 32, 12);
        le(caps).putLong(8, 1 | 2 | 7 << 2).putLong(16, 0).putLong(24, -1);
        guest.send(caps);
        byte[] cr = guest.receive();
        assertEquals(4, le(cr).getShort(0), "DM_CAPABILITIES_RESPONSE");
        assertEquals(1, cr[8] & 1, "accepted");
        assertTrue(dm.ready());
    }

    /** A balloon response giving ranges {start, count}, the last with more_pages clear. */
    void give(boolean more, long[]... ranges) {
        byte[] r = msg(7, 16 + 8 * ranges.length, 13);
        le(r).putInt(12, (more ? 1 : 0) | ranges.length << 1);
        for (int i = 0; i < ranges.length; i++) {
            le(r).putLong(16 + 8 * i, ranges[i][0] | ranges[i][1] << 40);
        }
        guest.send(r);
    }

    @Test
    void inflateFreesTheGivenPagesAndDeflateHandsBackExactlyThoseRanges() {
        connect();
        ram.memory().fill(1024L * 4096, 512L * 4096, (byte) 0x5a);
        assertTrue(dm.setTarget(14L * MIB));
        byte[] req = guest.receive();
        assertEquals(6, le(req).getShort(0), "DM_BALLOON_REQUEST");
        assertEquals(512, le(req).getInt(8), "2 MiB of 4 KiB pages");
        give(true, new long[] {1024, 256});
        give(false, new long[] {1280, 256});
        assertEquals(14L * MIB, dm.actualBytes());
        assertEquals(0, ram.memory().readByte(1024L * 4096 + 100), "the host freed the page: it reads zero");
        assertEquals(0, ram.memory().readByte(1535L * 4096), "the host freed the page: it reads zero");
        assertEquals(List.of(15L * MIB, 14L * MIB), changes);
        assertTrue(dm.setTarget(16L * MIB));
        byte[] un = guest.receive();
        assertEquals(8, le(un).getShort(0), "DM_UNBALLOON_REQUEST");
        assertEquals(0, le(un).getInt(8) & 1, "one message: more_pages clear");
        long pages = 0;
        for (int i = 0; i < le(un).getInt(12); i++) {
            long r = le(un).getLong(16 + 8 * i);
            long start = r & ((1L << 40) - 1);
            long n = r >>> 40;
            assertTrue(start >= 1024 && start + n <= 1536, "only pages the guest gave: " + start + "+" + n);
            pages += n;
        }
        assertEquals(512, pages);
        assertEquals(16L * MIB, dm.actualBytes());
    }

    @Test
    void rangesOutsideRamOverlappingOrEmptyAreRefusedAndNothingIsFreed() {
        connect();
        ram.memory().fill(100L * 4096, 4096, (byte) 1);
        dm.setTarget(15L * MIB);
        guest.receive();
        give(true, new long[] {1L << 30, 16});   // far outside RAM
        give(true, new long[] {4095, 4});        // runs past the end of 16 MiB
        give(true, new long[] {100, 0});         // empty
        give(true, new long[] {200, 8});
        give(true, new long[] {204, 8});         // overlaps the range before
        byte[] lying = msg(7, 24, 14);           // claims 50 ranges, carries one
        le(lying).putInt(12, 50 << 1 | 1).putLong(16, 300L | 1L << 40);
        guest.send(lying);
        give(false);
        assertEquals(16L * MIB - 9 * 4096, dm.actualBytes());
        assertEquals(1, ram.memory().readByte(100L * 4096), "a refused range is left alone");
        assertEquals(5, dm.rejected());
    }

    @Test
    void aPartialAnswerIsFollowedByAnotherRequestForTheRest() throws Exception {
        connect();
        dm.setTarget(15L * MIB);
        assertEquals(256, le(guest.receive()).getInt(8));
        give(false, new long[] {2000, 100}); // Linux keeps a floor: it gave 100 of 256
        byte[] again = null;
        for (int i = 0; i < 300 && again == null; i++) {
            Thread.sleep(10);
            again = guest.tryReceive();
        }
        assertNotNull(again, "asked again for the rest within 3 s");
        assertEquals(156, le(again).getInt(8));
        give(false);                          // and this time nothing
        Thread.sleep(1500);
        assertEquals(null, guest.tryReceive(), "no further asking after a round that brought nothing");
    }

    @Test
    void statusReportsAreKeptAndNothingHappensBeforeTheDriverIsReady() {
        dm = new DynamicMemory(ram.memory(), timer);
        assertFalse(dm.setTarget(8L * MIB), "no channel");
        guest = VmbusTestAccess.open(ram.memory(), dm, (16L * MIB) / 4096 - 8);
        assertFalse(dm.setTarget(8L * MIB), "not negotiated");
        byte[] v = msg(1, 16, 1);
        le(v).putInt(8, 3); // version 0.3 (Windows 7): refused
        guest.send(v);
        assertEquals(0, guest.receive()[8]);
        byte[] caps = msg(3, 32, 2);
        le(caps).putLong(8, 1);
        guest.send(caps);
        assertEquals(0, guest.receive()[8] & 1, "capabilities without an agreed version: refused");
        connect();
        byte[] st = msg(5, 48, 3);
        le(st).putLong(8, 1234).putLong(16, 2345);
        guest.send(st);
        assertEquals(1234, dm.lastStatus().orElseThrow().available());
        assertEquals(2345, dm.lastStatus().orElseThrow().committed());
    }
}
