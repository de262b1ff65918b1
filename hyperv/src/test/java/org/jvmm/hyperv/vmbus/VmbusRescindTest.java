// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.synic.PostedMessage;
import org.jvmm.hyperv.vmbus.VmbusDataPathTest.RecordingDevice;
import org.jvmm.hyperv.vmbus.VmbusServerTest.FakeRoute;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * Taking a device away from a running guest (RESCIND_CHANNELOFFER, the guest's RELID_RELEASED),
 * in the order Linux follows and in the orders a hostile guest might choose, and the kernel's
 * signal bindings a channel holds while open.
 */
class VmbusRescindTest {
    final GuestMemory mem = GuestSide.memory(2);
    final List<FakeRoute> routes = new ArrayList<>();
    final RecordingDevice heartbeat = new RecordingDevice() {
        @Override
        public void opened(Channel channel) {
            super.opened(channel);
            bound.add("opened");
        }
    };
    final RecordingDevice other = new RecordingDevice() {
        @Override
        public String name() {
            return "other";
        }
    };
    final List<String> bound = new ArrayList<>();
    final List<String> gone = new ArrayList<>();
    final VmbusServer server = new VmbusServer((vp, sint) -> {
        FakeRoute r = new FakeRoute(vp, sint);
        routes.add(r);
        return r;
    }, mem, List.of(heartbeat, other), (connectionId, onSignal) -> {
        bound.add("bind " + connectionId);
        return () -> bound.add("release " + connectionId);
    });

    void post(byte[] p) {
        server.handle(new PostedMessage(0, VmbusServer.MESSAGE_CONNECTION_ID_4, 1, p));
    }

    static byte[] withRelid(int type, int relid) {
        byte[] m = new byte[ChannelMessage.CLOSE_CHANNEL_SIZE];
        GuestSide.le(m).putInt(0, type).putInt(8, relid);
        return m;
    }

    /** Connects and has every channel offered. */
    void connect() {
        post(VmbusServerTest.initiateContact(VmbusServer.v(5, 3), 0, 2));
        post(ChannelMessage.bare(ChannelMessage.REQUEST_OFFERS));
    }

    /** Opens relid 1 on a GPADL of 8 pages from page 64, as Linux's vmbus_open does. */
    void open(int gpadlId) {
        GuestSide.gpadlMessages(1, gpadlId, VmbusDataPathTest.pfns(64, 8)).forEach(this::post);
        byte[] o = new byte[ChannelMessage.OPEN_CHANNEL_SIZE];
        GuestSide.le(o).putInt(0, ChannelMessage.OPEN_CHANNEL).putInt(8, 1).putInt(12, 1).putInt(16, gpadlId)
                .putInt(20, 0).putInt(24, 4);
        post(o);
    }

    List<Integer> types() {
        return routes.get(0).types();
    }

    Channel channel1() {
        return server.channels().get(0);
    }

    @Test
    void linuxsOrderRescindCloseTeardownReleaseEndsTheDeviceOnlyAtTheRelease() {
        connect();
        open(0x100);
        assertTrue(channel1().isOpen());
        // The kernel's route first: the device's first message may draw the guest's answer on
        // another vCPU before this one has finished opening (the lab saw one signal exit then).
        assertEquals(List.of("bind " + (VmbusServer.CHANNEL_CONNECTION_BASE + 1), "opened"), bound);
        bound.remove("opened");

        assertEquals(VmbusServer.Removal.RESCINDED, server.remove("recorder", () -> gone.add("recorder")));
        assertEquals(ChannelMessage.RESCIND_CHANNEL_OFFER, types().getLast());
        assertEquals(1, GuestSide.le(routes.get(0).posted.getLast()).getInt(16 + 8), "relid");
        assertFalse(channel1().send(1, new byte[8]), "the device sends nothing once rescinded");
        assertTrue(channel1().isOpen(), "the rings stay until the guest closes");
        assertEquals(List.of("other"), server.deviceIds());
        assertEquals(VmbusServer.Removal.PENDING, server.remove("recorder", () -> gone.add("twice")));

        post(withRelid(ChannelMessage.CLOSE_CHANNEL, 1));
        assertFalse(channel1().isOpen());
        assertEquals("release " + (VmbusServer.CHANNEL_CONNECTION_BASE + 1), bound.getLast());
        byte[] teardown = new byte[ChannelMessage.GPADL_TEARDOWN_SIZE];
        GuestSide.le(teardown).putInt(0, ChannelMessage.GPADL_TEARDOWN).putInt(8, 1).putInt(12, 0x100);
        post(teardown);
        assertEquals(ChannelMessage.GPADL_TORNDOWN, types().getLast(), "still answered after the rescind");
        assertTrue(gone.isEmpty(), "the guest still holds the relid");

        post(withRelid(ChannelMessage.RELID_RELEASED, 1));
        assertEquals(List.of("recorder"), gone);
        assertEquals(VmbusServer.Removal.UNKNOWN, server.remove("recorder", () -> gone.add("again")));
    }

    @Test
    void aGuestThatKeepsUsingTheChannelAfterTheRescindReachesNothing() {
        connect();
        open(0x100);
        int opened = heartbeat.opened;
        server.remove("recorder", () -> gone.add("recorder"));
        GuestSide.Ring toHost = new GuestSide.Ring(mem, 64L * 4096, 4);
        assertTrue(toHost.write(5, new byte[16]));
        server.channelSignalled(VmbusServer.CHANNEL_CONNECTION_BASE + 1);
        assertTrue(heartbeat.got.isEmpty(), "a rescinded device receives nothing");
        // Reopening, or a GPADL for the rescinded relid: refused, nothing reaches the device.
        post(withRelid(ChannelMessage.CLOSE_CHANNEL, 1));
        open(0x101);
        assertEquals(ChannelMessage.OPEN_CHANNEL_RESULT, types().getLast());
        assertEquals(VmbusServer.STATUS_FAILED, GuestSide.le(routes.get(0).posted.getLast()).getInt(16 + 16));
        assertEquals(opened, heartbeat.opened);
        // REQUESTOFFERS again (as after a driver reload) does not offer it.
        int offersBefore = (int) types().stream().filter(t -> t == ChannelMessage.OFFER_CHANNEL).count();
        post(ChannelMessage.bare(ChannelMessage.REQUEST_OFFERS));
        assertEquals(offersBefore + 1, types().stream().filter(t -> t == ChannelMessage.OFFER_CHANNEL).count(),
                "only the other device is offered");
    }

    @Test
    void releasingTwiceOrAPresentOrUnknownRelidChangesNothingElse() {
        connect();
        open(0x100);
        server.remove("recorder", () -> gone.add("recorder"));
        post(withRelid(ChannelMessage.RELID_RELEASED, 1)); // without closing first: the host closes it
        assertFalse(channel1().isOpen());
        assertTrue(bound.getLast().startsWith("release"), "the kernel binding goes with the channel");
        post(withRelid(ChannelMessage.RELID_RELEASED, 1));
        post(withRelid(ChannelMessage.RELID_RELEASED, 77));
        assertEquals(List.of("recorder"), gone, "gone once");
        assertEquals(2, server.ignored().get(VmbusServer.Ignored.GONE_RELID));
        assertEquals(List.of("other"), server.deviceIds());
        assertTrue(server.channels().get(1).relid() == 2 && !server.channels().get(1).rescinded());
    }

    @Test
    void aRescindRacingTheGuestsSignalsAndTheDevicesSendsCutsBothOffAtOnce() throws Exception {
        connect();
        open(0x100);
        GuestSide.Ring toHost = new GuestSide.Ring(mem, 64L * 4096, 4);
        GuestSide.Ring toGuest = new GuestSide.Ring(mem, 68L * 4096, 4);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger sentAfter = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean rescinded = new java.util.concurrent.atomic.AtomicBoolean();
        Thread guest = Thread.ofPlatform().start(() -> {
            try {
                for (long n = 0; !stop.get(); n++) {
                    toHost.write(n, new byte[24]); // false when full: the host drains it below
                    server.channelSignalled(VmbusServer.CHANNEL_CONNECTION_BASE + 1);
                    toGuest.read(); // keeps room for the device's sends
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        Thread device = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    boolean wasRescinded = rescinded.get();
                    if (channel1().send(1, new byte[16]) && wasRescinded) {
                        sentAfter.incrementAndGet();
                    }
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        Thread.sleep(50);
        server.remove("recorder", () -> gone.add("recorder"));
        rescinded.set(true);
        int received;
        synchronized (channel1()) {
            received = heartbeat.got.size();
        }
        Thread.sleep(50);
        stop.set(true);
        guest.join();
        device.join();
        assertTrue(failures.isEmpty(), failures.toString());
        assertTrue(received > 0, "the guest's packets reached the device before the rescind");
        assertEquals(received, heartbeat.got.size(), "nothing reached the device after the rescind");
        assertEquals(0, sentAfter.get(), "the device sent nothing after the rescind");
    }

    @Test
    void aGuestThatNeverReleasesKeepsTheRelidUntilItsSessionEnds() {
        connect();
        server.remove("recorder", () -> gone.add("recorder"));
        post(ChannelMessage.bare(ChannelMessage.REQUEST_OFFERS)); // anything but the release
        assertTrue(gone.isEmpty());
        post(ChannelMessage.bare(ChannelMessage.UNLOAD)); // UNLOAD releases every relid
        assertEquals(List.of("recorder"), gone);
    }

    @Test
    void aDeviceTheGuestNeverSawGoesAtOnceAndIsNeverOffered() {
        assertEquals(VmbusServer.Removal.GONE, server.remove("other", () -> gone.add("other")));
        assertEquals(List.of("other"), gone);
        connect();
        assertEquals(1, types().stream().filter(t -> t == ChannelMessage.OFFER_CHANNEL).count());
        assertFalse(types().contains(ChannelMessage.RESCIND_CHANNEL_OFFER));
        assertEquals(VmbusServer.Removal.UNKNOWN, server.remove("nothing", () -> { }));
    }

    @Test
    void theKernelBindingIsTakenAtOpenAndGivenBackAtCloseAndWhenTheSessionEnds() {
        connect();
        open(0x100);
        post(withRelid(ChannelMessage.CLOSE_CHANNEL, 1));
        open(0x101);
        post(VmbusServerTest.initiateContact(VmbusServer.v(5, 3), 0, 2)); // a new session (kexec)
        int id = VmbusServer.CHANNEL_CONNECTION_BASE + 1;
        assertEquals(List.of("bind " + id, "opened", "release " + id, "bind " + id, "opened", "release " + id), bound);
    }

    @Test
    void aBindingTheKernelRefusesLeavesTheChannelOpenOnTheExitPath() {
        VmbusServer s = new VmbusServer((vp, sint) -> new FakeRoute(vp, sint), mem, List.of(heartbeat),
                (connectionId, onSignal) -> {
                    throw new IllegalStateException("EEXIST");
                });
        s.handle(new PostedMessage(0, 4, 1, VmbusServerTest.initiateContact(VmbusServer.v(5, 3), 0, 2)));
        GuestSide.gpadlMessages(1, 9, VmbusDataPathTest.pfns(64, 8))
                .forEach(p -> s.handle(new PostedMessage(0, 4, 1, p)));
        byte[] o = new byte[ChannelMessage.OPEN_CHANNEL_SIZE];
        GuestSide.le(o).putInt(0, ChannelMessage.OPEN_CHANNEL).putInt(8, 1).putInt(16, 9).putInt(24, 4);
        s.handle(new PostedMessage(0, 4, 1, o));
        assertTrue(s.channels().get(0).isOpen());
        assertTrue(new GuestSide.Ring(mem, 64L * 4096, 4).write(3, new byte[8]));
        s.channelSignalled(VmbusServer.CHANNEL_CONNECTION_BASE + 1);
        assertEquals(1, heartbeat.got.size(), "the exit path still carries the signal");
    }
}
