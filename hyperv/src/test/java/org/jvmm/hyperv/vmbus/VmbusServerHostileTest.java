// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import static org.jvmm.hyperv.vmbus.VmbusServerTest.initiateContact;
import static org.jvmm.hyperv.vmbus.VmbusServerTest.le;
import static org.jvmm.hyperv.vmbus.VmbusServerTest.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.vmbus.VmbusServerTest.FakeRoute;

/** What the fuzz campaign (VmbusFuzzTarget) found in the server, kept as regression tests. */
class VmbusServerHostileTest {
    final List<FakeRoute> routes = new ArrayList<>();
    final VmbusServer server = new VmbusServer((vp, sint) -> {
        if (vp != 0) {
            throw new IllegalArgumentException("no SynIC for VP " + vp);
        }
        FakeRoute r = new FakeRoute(vp, sint);
        routes.add(r);
        return r;
    }, VmbusServerTest.memory(), List.of(new VmbusDataPathTest.RecordingDevice()));

    /** A guest that reconnects forever must not grow the host's memory: each contact was kept. */
    @Test
    void endlessReconnectsKeepABoundedHistoryOfVersions() {
        for (int i = 0; i < 100_000; i++) {
            server.handle(msg(4, initiateContact(VmbusServer.v(6, i & 0xff), 0, 2)));
        }
        List<Integer> asked = server.versionsAsked();
        assertTrue(asked.size() <= VmbusServer.VERSIONS_REMEMBERED, asked.size() + " versions kept");
        assertEquals(VmbusServer.v(6, 99_999 & 0xff), asked.getLast(), "the latest are the ones kept");
    }

    /**
     * Routes were looked up by (VP << 8 | SINT) in an int, so VP 0x01000000 found VP 0's route and
     * a channel opened on a VP that does not exist.
     */
    @Test
    void anOpenNamingAVpThatDoesNotExistFailsWhateverItsHighBits() {
        server.handle(msg(4, initiateContact(VmbusServer.v(5, 0), 0, 2)));
        long[] pages = {64, 65, 66, 67, 68, 69, 70, 71};
        for (byte[] m : GuestSide.gpadlMessages(1, 7, pages)) {
            server.handle(msg(4, m));
        }
        for (int vp : new int[] {0x0100_0000, 0x8000_0000, -1}) {
            byte[] open = new byte[ChannelMessage.OPEN_CHANNEL_SIZE];
            le(open).putInt(0, ChannelMessage.OPEN_CHANNEL).putInt(8, 1).putInt(12, 5).putInt(16, 7).putInt(20, vp).putInt(24, 4);
            server.handle(msg(4, open));
            byte[] answer = routes.get(0).posted.getLast();
            assertEquals(ChannelMessage.OPEN_CHANNEL_RESULT, le(answer).getInt(16));
            assertNotEquals(0, le(answer).getInt(16 + 16), "open on VP 0x%x succeeded".formatted(vp));
        }
        assertTrue(server.channels().stream().noneMatch(Channel::isOpen));
    }
}
