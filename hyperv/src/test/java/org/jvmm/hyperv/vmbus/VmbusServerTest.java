// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.synic.HvStatus;
import org.jvmm.hyperv.synic.PostedMessage;
import org.jvmm.hyperv.synic.Synic;

/** The VMBus connection protocol as Linux drives it, and as a hostile guest might, on a fake route. */
class VmbusServerTest {
    /** A route that records what it is given; {@code busy} makes it hold one message for an EOM. */
    static final class FakeRoute implements VmbusServer.Route {
        final int vp;
        final int sint;
        final List<byte[]> posted = new ArrayList<>();
        boolean busy;
        byte[] held;
        Runnable delivered = () -> {};
        boolean closed;

        FakeRoute(int vp, int sint) {
            this.vp = vp;
            this.sint = sint;
        }

        @Override
        public Synic.PostResult post(byte[] m) {
            if (held != null) {
                return Synic.PostResult.ROUTE_BUSY;
            }
            if (busy) {
                held = m;
                return Synic.PostResult.BUSY;
            }
            posted.add(m);
            return Synic.PostResult.POSTED;
        }

        /** The guest's EOM: the held message goes in, and the server hears of it. */
        void eom() {
            posted.add(held);
            held = null;
            busy = false;
            delivered.run();
        }

        final List<Integer> flags = new ArrayList<>();

        @Override
        public int setEventFlag(int flag) {
            flags.add(flag);
            return 0;
        }

        @Override
        public void onDelivered(Runnable r) {
            delivered = r;
        }

        @Override
        public void close() {
            closed = true;
        }

        /** The channel message types posted, in order. */
        List<Integer> types() {
            return posted.stream().map(m -> le(m).getInt(16)).toList();
        }
    }

    final List<FakeRoute> routes = new ArrayList<>();
    final VmbusServer server = new VmbusServer((vp, sint) -> {
        if (vp != 0) {
            throw new IllegalArgumentException("no SynIC for VP " + vp);
        }
        FakeRoute r = new FakeRoute(vp, sint);
        routes.add(r);
        return r;
    }, memory(), List.of());

    static org.jvmm.vmm.memory.GuestMemory memory() {
        return org.jvmm.vmm.memory.GuestMemory.of(List.of(new org.jvmm.vmm.memory.GuestRegion(0,
                java.lang.foreign.Arena.ofAuto().allocate(1 << 20, 4096))));
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static PostedMessage msg(int connectionId, byte[] payload) {
        return new PostedMessage(0, connectionId, 1, payload);
    }

    static byte[] initiateContact(int version, int vp, int sint) {
        byte[] p = new byte[ChannelMessage.INITIATE_CONTACT_SIZE];
        le(p).putInt(0, ChannelMessage.INITIATE_CONTACT).putInt(8, version).putInt(12, vp).put(16, (byte) sint);
        return p;
    }

    int post(int type) {
        return server.handle(msg(VmbusServer.MESSAGE_CONNECTION_ID_4, ChannelMessage.bare(type)));
    }

    @Test
    void linuxsFirstVersionIsTakenAndTheAnswerGoesToTheSintItNamed() {
        assertEquals(HvStatus.SUCCESS, server.handle(msg(4, initiateContact(VmbusServer.v(5, 3), 0, 2))));
        assertEquals(VmbusServer.v(5, 3), server.version());
        FakeRoute r = routes.get(0);
        assertEquals(List.of(0, 2), List.of(r.vp, r.sint));
        byte[] m = r.posted.get(0);
        assertEquals(VmbusServer.HV_MESSAGE_VMBUS, le(m).getInt(0), "SynIC message type");
        assertEquals(ChannelMessage.VERSION_RESPONSE_SIZE, m[4], "payload size");
        assertEquals(ChannelMessage.VERSION_RESPONSE, le(m).getInt(16));
        assertEquals(1, m[16 + 8], "version_supported");
        assertEquals(VmbusServer.MESSAGE_CONNECTION_ID_4, le(m).getInt(16 + 12), "message connection id");
    }

    @Test
    void anUnknownVersionIsRefusedAndTheGuestWalksDownToOneThatIsTaken() {
        server.handle(msg(4, initiateContact(VmbusServer.v(6, 0), 0, 2)));
        assertEquals(0, server.version());
        assertEquals(0, routes.get(0).posted.get(0)[16 + 8], "6.0 refused");
        server.handle(msg(4, initiateContact(VmbusServer.v(5, 3), 0, 3)));
        assertTrue(routes.get(0).closed, "a new contact drops the old route");
        assertEquals(3, routes.get(1).sint);
        assertEquals(1, routes.get(1).posted.get(0)[16 + 8]);
        assertEquals(List.of(VmbusServer.v(6, 0), VmbusServer.v(5, 3)), server.versionsAsked());
        // Before 5.0 the SINT is always 2, whatever byte 16 (then the interrupt page) holds.
        server.handle(msg(1, initiateContact(VmbusServer.v(4, 0), 0, 9)));
        assertEquals(2, routes.get(2).sint);
        assertEquals(VmbusServer.MESSAGE_CONNECTION_ID, le(routes.get(2).posted.get(0)).getInt(16 + 12));
    }

    @Test
    void offersThenAllOffersDeliveredThenUnload() {
        server.handle(msg(4, initiateContact(VmbusServer.v(5, 0), 0, 2)));
        post(ChannelMessage.REQUEST_OFFERS);
        post(ChannelMessage.UNLOAD);
        assertEquals(List.of(ChannelMessage.VERSION_RESPONSE, ChannelMessage.ALL_OFFERS_DELIVERED,
                ChannelMessage.UNLOAD_RESPONSE), routes.get(0).types());
        assertEquals(0, server.version(), "disconnected after UNLOAD");
        post(ChannelMessage.REQUEST_OFFERS);
        assertEquals(3, routes.get(0).posted.size(), "nothing answered while disconnected");
    }

    @Test
    void hostMessagesWaitForTheGuestsEomInOrder() {
        server.handle(msg(4, initiateContact(VmbusServer.v(5, 0), 0, 2)));
        FakeRoute r = routes.get(0);
        r.busy = true;
        post(ChannelMessage.REQUEST_OFFERS); // held by the route
        post(ChannelMessage.UNLOAD);         // queued in the server
        assertEquals(List.of(ChannelMessage.VERSION_RESPONSE), r.types());
        r.eom();
        assertEquals(List.of(ChannelMessage.VERSION_RESPONSE, ChannelMessage.ALL_OFFERS_DELIVERED,
                ChannelMessage.UNLOAD_RESPONSE), r.types());
    }

    @Test
    void aGuestThatFloodsWhileTheSlotIsFullGetsInsufficientBuffers() {
        server.handle(msg(4, initiateContact(VmbusServer.v(5, 0), 0, 2)));
        routes.get(0).busy = true;
        int last = HvStatus.SUCCESS;
        for (int i = 0; i < VmbusServer.MAX_QUEUED + 5 && last == HvStatus.SUCCESS; i++) {
            last = post(ChannelMessage.REQUEST_OFFERS);
        }
        assertEquals(HvStatus.INSUFFICIENT_BUFFERS, last);
    }

    @Test
    void shortUnknownMisplacedAndMistargetedMessagesAreCountedAndIgnored() {
        assertEquals(HvStatus.SUCCESS, server.handle(msg(1, new byte[3])));
        assertEquals(HvStatus.SUCCESS, post(ChannelMessage.REQUEST_OFFERS));
        assertEquals(HvStatus.SUCCESS, post(0x7777));
        byte[] shortContact = new byte[20];
        le(shortContact).putInt(0, ChannelMessage.INITIATE_CONTACT).putInt(8, VmbusServer.v(5, 0));
        server.handle(msg(4, shortContact));
        server.handle(msg(4, initiateContact(VmbusServer.v(5, 0), 7, 2)));   // no such VP
        server.handle(msg(4, initiateContact(VmbusServer.v(5, 0), 0, 200))); // no such SINT
        assertEquals(0, server.version());
        assertTrue(routes.isEmpty(), "nothing was answered");
        var ignored = server.ignored();
        assertEquals(2, ignored.get(VmbusServer.Ignored.SHORT));
        assertEquals(1, ignored.get(VmbusServer.Ignored.UNKNOWN_TYPE));
        assertEquals(1, ignored.get(VmbusServer.Ignored.NOT_CONNECTED));
        assertEquals(2, ignored.get(VmbusServer.Ignored.BAD_TARGET));
    }

    @Test
    void randomGuestMessagesNeverThrowAndNeverPostAnythingButWholeMessages() {
        Random rnd = new Random(12345);
        for (int i = 0; i < 20_000; i++) {
            byte[] p = new byte[rnd.nextInt(PostedMessage.MAX_PAYLOAD + 1)];
            rnd.nextBytes(p);
            if (p.length >= 4 && rnd.nextInt(3) == 0) {
                le(p).putInt(0, 1 + rnd.nextInt(20)); // a plausible type now and then
            }
            if (p.length >= 16 && rnd.nextInt(5) == 0) {
                le(p).putInt(0, ChannelMessage.INITIATE_CONTACT).putInt(8, VmbusServer.VERSIONS.get(rnd.nextInt(7))).putInt(12, 0);
            }
            int status = server.handle(msg(rnd.nextBoolean() ? 1 : 4, p));
            assertTrue(status == HvStatus.SUCCESS || status == HvStatus.INSUFFICIENT_BUFFERS, "status " + status);
        }
        for (FakeRoute r : routes) {
            for (byte[] m : r.posted) {
                assertEquals(Synic.SLOT_SIZE, m.length);
                assertTrue((m[4] & 0xff) <= PostedMessage.MAX_PAYLOAD);
            }
        }
        server.close();
        assertEquals(HvStatus.SUCCESS, server.handle(msg(4, initiateContact(VmbusServer.v(5, 0), 0, 2))));
        assertEquals(0, server.version(), "a closed server answers nothing");
    }
}
