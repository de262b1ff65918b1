// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.util.List;
import org.jvmm.vmm.memory.GuestMemory;

/** Opens a channel to a device over rings in guest memory, for device tests in other packages. */
public final class VmbusTestAccess {
    private VmbusTestAccess() {}

    /** The guest's end of an open channel: its send ring and its receive ring. */
    public static final class GuestChannel {
        private final Channel channel;
        private final GuestSide.Ring toHost;
        private final GuestSide.Ring toGuest;

        GuestChannel(Channel channel, GuestSide.Ring toHost, GuestSide.Ring toGuest) {
            this.channel = channel;
            this.toHost = toHost;
            this.toGuest = toGuest;
        }

        /** Sends {@code data} as the guest and signals the host. */
        public void send(byte[] data) {
            if (!toHost.write(1, data)) {
                throw new AssertionError("the guest's send ring is full");
            }
            channel.guestSignalled();
        }

        /** The next packet the host sent, which must be there. */
        public byte[] receive() {
            byte[] b = tryReceive();
            if (b == null) {
                throw new AssertionError("the host sent nothing");
            }
            return b;
        }

        public byte[] tryReceive() {
            synchronized (channel) {
                return toGuest.read();
            }
        }
    }

    /** Opens relid 1 for {@code device} on 8 pages from page {@code firstPage}: 4 each way. */
    public static GuestChannel open(GuestMemory memory, ChannelDevice device, long firstPage) {
        Gpadls gpadls = new Gpadls(memory);
        long[] pages = new long[8];
        for (int i = 0; i < 8; i++) {
            pages[i] = firstPage + i;
        }
        List<byte[]> msgs = GuestSide.gpadlMessages(1, 1, pages);
        gpadls.header(msgs.get(0));
        Channel c = new Channel(1, device);
        if (!c.open(memory, gpadls.get(1).orElseThrow(), 4, () -> {})) {
            throw new AssertionError("open failed");
        }
        return new GuestChannel(c, new GuestSide.Ring(memory, firstPage * 4096, 4),
                new GuestSide.Ring(memory, (firstPage + 4) * 4096, 4));
    }
}
