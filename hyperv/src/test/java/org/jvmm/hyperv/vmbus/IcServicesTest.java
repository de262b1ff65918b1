// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.vmbus.GuestSide.Ring;
import org.jvmm.hyperv.vmbus.ic.Heartbeat;
import org.jvmm.hyperv.vmbus.ic.IcService;
import org.jvmm.hyperv.vmbus.ic.Shutdown;
import org.jvmm.hyperv.vmbus.ic.TimeSync;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * The integration services against a guest that answers as Linux's hv_utils does: it takes the
 * first framework and service versions it knows from the host's negotiate message and echoes the
 * message back as a response; heartbeats come back with the sequence number plus one.
 */
class IcServicesTest {
    final GuestMemory mem = GuestSide.memory(2);
    final Gpadls gpadls = new Gpadls(mem);
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final Ring toHost = new Ring(mem, 64L * 4096, 4);
    final Ring toGuest = new Ring(mem, 68L * 4096, 4);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    Channel open(ChannelDevice device) {
        long[] pages = new long[8];
        for (int i = 0; i < 8; i++) {
            pages[i] = 64 + i;
        }
        for (byte[] m : GuestSide.gpadlMessages(1, 1, pages)) {
            if (GuestSide.le(m).getInt(0) == ChannelMessage.GPADL_HEADER) {
                gpadls.header(m);
            } else {
                gpadls.body(m);
            }
        }
        Channel c = new Channel(1, device);
        assertTrue(c.open(mem, gpadls.get(1).orElseThrow(), 4, () -> {}));
        return c;
    }

    /** The guest's answer: the request with the response flag, after {@code edit} changed it. */
    void answer(Channel c, byte[] request, java.util.function.Consumer<byte[]> edit) {
        byte[] r = request.clone();
        r[25] = 1 | 4; // ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE
        edit.accept(r);
        assertTrue(toHost.write(7, r));
        c.guestSignalled();
    }

    /** Linux's vmbus_prep_negotiate_resp, for a guest that knows framework 3.0 and service 3.0. */
    void negotiate(Channel c) {
        byte[] n = toGuest.read();
        assertNotNull(n, "the host opens with a negotiate message");
        var b = GuestSide.le(n);
        assertEquals(0, b.getShort(12), "ICMSGTYPE_NEGOTIATE");
        assertEquals(1 | 2, n[25], "transaction | request");
        int frameworks = b.getShort(IcService.HEADER);
        int services = b.getShort(IcService.HEADER + 2);
        assertEquals(1, frameworks);
        assertEquals(1, services);
        assertEquals(3, b.getShort(IcService.HEADER + 8), "framework 3.0 offered");
        answer(c, n, r -> {});
    }

    @Test
    void heartbeatNegotiatesThenCountsCorrectAnswersOnly() throws Exception {
        Heartbeat hb = new Heartbeat(timer, 10);
        Channel c = open(hb);
        assertFalse(hb.negotiated());
        negotiate(c);
        assertTrue(hb.negotiated());
        byte[] req = null;
        for (int i = 0; i < 500 && req == null; i++) {
            synchronized (c) {
                req = toGuest.read();
            }
            Thread.sleep(5);
        }
        assertNotNull(req, "a heartbeat request within 2.5 s");
        assertEquals(1, GuestSide.le(req).getShort(12), "ICMSGTYPE_HEARTBEAT");
        long seq = GuestSide.le(req).getLong(IcService.HEADER);
        synchronized (c) {
            answer(c, req, r -> GuestSide.le(r).putLong(IcService.HEADER, seq + 5)); // wrong number
            assertEquals(0, hb.beats());
            answer(c, req, r -> GuestSide.le(r).putLong(IcService.HEADER, seq + 1));
            assertEquals(1, hb.beats());
        }
        assertEquals(1, hb.rejected());
    }

    @Test
    void shutdownIsOnlyAskedOnceNegotiatedAndCarriesTheFullMessage() {
        Shutdown sd = new Shutdown();
        assertFalse(sd.request(), "no channel yet");
        Channel c = open(sd);
        assertFalse(sd.request(), "not negotiated yet");
        negotiate(c);
        assertTrue(sd.request());
        byte[] m = toGuest.read();
        assertEquals(3, GuestSide.le(m).getShort(12), "ICMSGTYPE_SHUTDOWN");
        assertTrue(m.length >= IcService.HEADER + 12 + 2048, "Linux refuses anything shorter: " + m.length);
        assertEquals(0, GuestSide.le(m).getInt(IcService.HEADER + 8), "flags 0: shut down");
        answer(c, m, r -> {});
        assertTrue(sd.acknowledged());
    }

    @Test
    void timeSyncSendsTheHostsTimeWithTheSyncFlagOnceNegotiated() {
        Instant now = Instant.parse("2026-12-06T12:00:00.1234567Z");
        TimeSync ts = new TimeSync(Clock.fixed(now, ZoneOffset.UTC));
        Channel c = open(ts);
        negotiate(c);
        byte[] m = toGuest.read();
        assertEquals(4, GuestSide.le(m).getShort(12), "ICMSGTYPE_TIMESYNC");
        long windows = GuestSide.le(m).getLong(IcService.HEADER);
        // 100 ns units since 1601: Linux subtracts WLTIMEDELTA and multiplies by 100.
        assertEquals(now.getEpochSecond() * 1_000_000_000L + 123456700L, (windows - 116444736000000000L) * 100);
        assertEquals(1, m[IcService.HEADER + 24], "ICTIMESYNCFLAG_SYNC");
        answer(c, m, r -> {});
        assertEquals(1, ts.answered());
    }

    @Test
    void malformedAnswersAreCountedAndChangeNothing() {
        Shutdown sd = new Shutdown();
        Channel c = open(sd);
        byte[] n = toGuest.read();
        answer(c, n, r -> r[25] = 1);                                    // no response flag
        answer(c, n, r -> GuestSide.le(r).putShort(IcService.HEADER, (short) 0)); // refused: zero versions
        assertTrue(toHost.write(1, new byte[10]));                          // shorter than a header
        c.guestSignalled();
        assertFalse(sd.negotiated());
        assertEquals(3, sd.rejected());
        assertFalse(sd.request());
    }
}
