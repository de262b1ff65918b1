// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.vmbus.GuestSide.Ring;
import org.jvmm.vmm.memory.GuestMemory;

/** GPADLs and ring buffers against a guest side written from the protocol, and a hostile guest. */
class VmbusDataPathTest {
    final GuestMemory mem = GuestSide.memory(2);
    final Gpadls gpadls = new Gpadls(mem);

    static long[] pfns(long first, int n) {
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            p[i] = first + i;
        }
        return p;
    }

    Optional<Gpadls.Outcome> feed(List<byte[]> messages) {
        Optional<Gpadls.Outcome> last = gpadls.header(messages.get(0));
        for (byte[] b : messages.subList(1, messages.size())) {
            assertTrue(last.isEmpty(), "answered before the last body");
            last = gpadls.body(b);
        }
        return last;
    }

    @Test
    void aGpadlSplitOverAHeaderAndBodiesIsCreatedWithEveryPageInOrder() {
        long[] pages = pfns(100, 60); // 26 in the header, then 28 and 6 in two bodies
        List<byte[]> msgs = GuestSide.gpadlMessages(3, 0xE1E10, pages);
        assertEquals(3, msgs.size());
        assertEquals(Optional.of(new Gpadls.Outcome(0xE1E10, 3, true)), feed(msgs));
        assertArrayEquals(pages, gpadls.get(0xE1E10).orElseThrow().pfns());
        assertTrue(gpadls.teardown(0xE1E10));
        assertFalse(gpadls.teardown(0xE1E10));
    }

    @Test
    void gpadlsOutsideRamOrOfTheWrongShapeAreRefused() {
        assertEquals(Optional.of(new Gpadls.Outcome(1, 1, false)),
                feed(GuestSide.gpadlMessages(1, 1, new long[] {10, 512, 11}))); // 512: past 2 MiB of RAM
        assertEquals(Optional.of(new Gpadls.Outcome(2, 1, false)),
                feed(GuestSide.gpadlMessages(1, 2, new long[] {-1})));
        byte[] twoRanges = GuestSide.gpadlMessages(1, 3, pfns(10, 2)).get(0);
        GuestSide.le(twoRanges).putShort(18, (short) 2);
        assertFalse(gpadls.header(twoRanges).orElseThrow().created());
        byte[] lying = GuestSide.gpadlMessages(1, 4, pfns(10, 2)).get(0);
        GuestSide.le(lying).putInt(20, 3 * 4096); // byte count that does not match the pages
        assertFalse(gpadls.header(lying).orElseThrow().created());
        byte[] huge = GuestSide.gpadlMessages(1, 5, pfns(10, 2)).get(0);
        GuestSide.le(huge).putShort(16, (short) 0xfff8).putInt(20, 8190 * 4096); // 8190 pages promised, bodies never sent
        assertTrue(gpadls.header(huge).isEmpty(), "waits for bodies");
        assertTrue(gpadls.body(new byte[10]).isEmpty(), "a short body is ignored");
        feed(GuestSide.gpadlMessages(1, 6, pfns(10, 2)));
        assertFalse(gpadls.header(GuestSide.gpadlMessages(1, 6, pfns(20, 2)).get(0)).orElseThrow().created(),
                "an id in use");
        assertTrue(gpadls.header(new byte[12]).isEmpty(), "a short header is ignored");
    }

    /** A ring pair in pages 64.. of RAM: the guest's send ring (4 pages), then its receive ring. */
    Channel openChannel(RecordingDevice device, List<Integer> signals) {
        long[] pages = pfns(64, 8);
        feed(GuestSide.gpadlMessages(1, 7, pages));
        Channel c = new Channel(1, device);
        assertTrue(c.open(mem, gpadls.get(7).orElseThrow(), 4, () -> signals.add(1)));
        return c;
    }

    static class RecordingDevice implements ChannelDevice {
        final List<RingBuffer.Packet> got = new ArrayList<>();
        int opened;

        @Override
        public String interfaceType() {
            return "57164f39-9115-4e78-ab55-382f3bd5422d";
        }

        @Override
        public String name() {
            return "recorder";
        }

        @Override
        public void opened(Channel channel) {
            opened++;
        }

        @Override
        public void received(Channel channel, RingBuffer.Packet packet) {
            got.add(packet);
        }
    }

    @Test
    void packetsFlowBothWaysAcrossTheRingsEndAndTheHostSignalsOnlyAnEmptyRing() {
        RecordingDevice dev = new RecordingDevice();
        List<Integer> signals = new ArrayList<>();
        Channel c = openChannel(dev, signals);
        Ring toHost = new Ring(mem, 64L * 4096, 4);
        Ring toGuest = new Ring(mem, 68L * 4096, 4);
        Random rnd = new Random(7);
        int sent = 0;
        for (int round = 0; round < 200; round++) {
            byte[] data = new byte[1 + rnd.nextInt(900)];
            rnd.nextBytes(data);
            assertTrue(toHost.write(round, data));
            c.guestSignalled();
            RingBuffer.Packet p = dev.got.get(round);
            assertEquals(round, p.transactionId());
            assertArrayEquals(data, java.util.Arrays.copyOf(p.data(), data.length));
            assertTrue(c.send(1000 + round, data));
            sent++;
            assertArrayEquals(data, java.util.Arrays.copyOf(toGuest.read(), data.length));
        }
        assertEquals(sent, signals.size(), "each send found the guest's ring empty, so each was signalled");
        mem.writeInt(68L * 4096 + 8, 1); // the guest masks its interrupt: it is polling
        assertTrue(c.send(1, new byte[8]));
        assertEquals(sent, signals.size());
    }

    @Test
    void aFullRingRefusesMoreAndNeverOverwritesWhatTheGuestHasNotRead() {
        Channel c = openChannel(new RecordingDevice(), new ArrayList<>());
        int n = 0;
        while (c.send(n, new byte[1000])) {
            n++;
        }
        assertEquals(11, n, "12 KiB of data holds 11 packets of 1016+8 bytes, with a byte to spare");
        Ring toGuest = new Ring(mem, 68L * 4096, 4);
        for (int i = 0; i < n; i++) {
            assertEquals(1000 + 16 - 16, toGuest.read().length);
        }
        assertTrue(c.send(99, new byte[1000]), "room again");
    }

    @Test
    void aGuestThatCorruptsItsRingBreaksOnlyItsChannel() {
        RecordingDevice dev = new RecordingDevice();
        Channel c = openChannel(dev, new ArrayList<>());
        long control = 64L * 4096;
        mem.writeInt(control, 3 * 4096 + 5); // write index outside the ring's data and unaligned
        c.guestSignalled();
        assertTrue(dev.got.isEmpty());
        assertFalse(c.send(1, new byte[8]), "a broken channel sends nothing more");
        // A fresh channel on sane rings works, and a lying descriptor breaks it too.
        Channel d = new Channel(2, dev);
        feed(GuestSide.gpadlMessages(2, 8, pfns(80, 8)));
        assertTrue(d.open(mem, gpadls.get(8).orElseThrow(), 4, () -> {}));
        Ring toHost = new Ring(mem, 80L * 4096, 4);
        toHost.write(1, new byte[16]);
        mem.writeShort(80L * 4096 + 4096 + 4, (short) 2000); // total length: 16000 bytes
        d.guestSignalled();
        assertTrue(dev.got.isEmpty());
    }

    @Test
    void openRefusesSplitsThatLeaveARingWithoutADataPage() {
        feed(GuestSide.gpadlMessages(1, 9, pfns(64, 4)));
        Channel c = new Channel(1, new RecordingDevice());
        var g = gpadls.get(9).orElseThrow();
        assertFalse(c.open(mem, g, 1, () -> {}));
        assertFalse(c.open(mem, g, 3, () -> {}));
        assertFalse(c.open(mem, g, -5, () -> {}));
        assertTrue(c.open(mem, g, 2, () -> {}));
        assertFalse(c.open(mem, g, 2, () -> {}), "already open");
        assertThrows(IllegalArgumentException.class, () -> new RingBuffer(mem, new long[] {4096}));
    }

    @Test
    void randomRingContentsNeverThrowAndNeverTouchMemoryOutsideTheRings() {
        Random rnd = new Random(99);
        RecordingDevice dev = new RecordingDevice();
        Channel c = openChannel(dev, new ArrayList<>());
        long ringStart = 64L * 4096;
        long ringEnd = 72L * 4096;
        byte[] before = new byte[(int) ringStart];
        byte[] after = new byte[(int) ((2L << 20) - ringEnd)];
        mem.read(0, before);
        mem.read(ringEnd, after);
        for (int i = 0; i < 5000; i++) {
            long at = ringStart + rnd.nextInt((int) (ringEnd - ringStart) - 8);
            mem.writeLong(at, rnd.nextLong());
            if (rnd.nextInt(4) == 0) {
                mem.writeInt(ringStart + (rnd.nextBoolean() ? 0 : 4), rnd.nextInt(4 * 4096) & ~7);
            }
            c.guestSignalled();
            c.send(i, new byte[rnd.nextInt(64)]);
        }
        byte[] before2 = new byte[before.length];
        byte[] after2 = new byte[after.length];
        mem.read(0, before2);
        mem.read(ringEnd, after2);
        assertArrayEquals(before, before2);
        assertArrayEquals(after, after2);
    }
}
