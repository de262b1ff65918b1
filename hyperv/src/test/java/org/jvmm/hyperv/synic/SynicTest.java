// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.memory.GuestMemory;

/** Host-to-guest delivery into the SynIC pages (QEMU's cpu_post_msg and hyperv_set_event_flag). */
class SynicTest {
    GuestMemory memory;
    Synic synic;
    final AtomicInteger raised = new AtomicInteger();

    @BeforeEach
    void setUp() {
        memory = HvExits.ram(1 << 20);
        synic = new Synic(0, memory);
    }

    void map(long scontrol, long simp, long siefp) {
        synic.scontrol(scontrol);
        synic.simp(simp);
        synic.siefp(siefp);
        synic.apply();
    }

    static byte[] message(int type, int payloadWord) {
        byte[] m = new byte[256];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(m).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, type);
        m[4] = 4;
        b.putInt(16, payloadWord);
        return m;
    }

    @Test
    void postingNeedsAMessagePage() {
        assertEquals(Synic.PostResult.NO_PAGE, synic.postMessage(2, message(1, 5), raised::incrementAndGet));
        assertEquals(0, raised.get());
    }

    @Test
    void postedMessageLandsInItsSlotAndRaisesTheSint() {
        map(1, 0x10001, 0);
        assertEquals(Synic.PostResult.POSTED, synic.postMessage(2, message(0x4a, 0x11223344), raised::incrementAndGet));
        assertEquals(1, raised.get());
        assertEquals(0x4a, memory.readInt(0x10000 + 2 * 256));
        assertEquals(4, memory.readByte(0x10000 + 2 * 256 + 4));
        assertEquals(0x11223344, memory.readInt(0x10000 + 2 * 256 + 16));
        assertEquals(0, memory.readInt(0x10000 + 1 * 256), "other slots untouched");
    }

    @Test
    void busySlotGetsMsgPendingAndNoSecondCopy() {
        map(1, 0x10001, 0);
        synic.postMessage(3, message(0x4a, 1), raised::incrementAndGet);
        assertEquals(Synic.PostResult.BUSY, synic.postMessage(3, message(0x4b, 2), raised::incrementAndGet));
        assertEquals(1, raised.get());
        assertEquals(0x4a, memory.readInt(0x10000 + 3 * 256));
        assertEquals(1, memory.readByte(0x10000 + 3 * 256 + 5), "msg_pending");
        // The guest consumes the message (type back to 0); the retry then goes in.
        memory.writeInt(0x10000 + 3 * 256, 0);
        assertEquals(Synic.PostResult.POSTED, synic.postMessage(3, message(0x4b, 2), raised::incrementAndGet));
        assertEquals(0x4b, memory.readInt(0x10000 + 3 * 256));
        assertEquals(0, memory.readByte(0x10000 + 3 * 256 + 5), "the new message's own flags");
    }

    @Test
    void eventFlagsSetOnceAndRaiseOnlyOnTheEdge() {
        map(1, 0, 0x11001);
        assertEquals(0, synic.setEventFlag(1, 70, raised::incrementAndGet));
        assertEquals(0, synic.setEventFlag(1, 70, raised::incrementAndGet));
        assertEquals(1, raised.get());
        assertEquals(1L << 6, memory.readLong(0x11000 + 256 + 8));
        assertEquals(0, synic.setEventFlag(15, 2047, raised::incrementAndGet));
        assertEquals(1L << 63, memory.readLong(0x11000 + 15 * 256 + 248));
        assertEquals(2, raised.get());
    }

    @Test
    void eventFlagErrors() {
        assertEquals(-6, synic.setEventFlag(0, 1, raised::incrementAndGet), "no page");
        map(0, 0, 0x11001);
        assertEquals(-6, synic.setEventFlag(0, 1, raised::incrementAndGet), "SCONTROL off");
        map(1, 0, 0x11001);
        assertEquals(-22, synic.setEventFlag(0, 2048, raised::incrementAndGet));
        assertEquals(-22, synic.setEventFlag(0, -1, raised::incrementAndGet));
        assertThrows(IllegalArgumentException.class, () -> synic.setEventFlag(16, 0, raised::incrementAndGet));
        assertThrows(IllegalArgumentException.class, () -> synic.postMessage(-1, new byte[256], () -> {}));
        assertEquals(0, raised.get());
    }

    @Test
    void resetUnmapsAndZeroes() {
        memory.fill(0x10000, 4096, (byte) 0x55);
        map(1, 0x10001, 0);
        memory.writeInt(0x10000, 9);
        synic.reset();
        assertEquals(0x55555555, memory.readInt(0x10000));
        map(1, 0x10001, 0);
        assertEquals(0, memory.readInt(0x10000), "the page starts zeroed again");
    }
}
