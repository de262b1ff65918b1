// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.util.ArrayDeque;
import org.jvmm.hyperv.synic.HvStatus;
import org.jvmm.hyperv.synic.Synic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's messages to the guest, one in flight at a time on the message route the guest
 * named in INITIATE_CONTACT, the rest queued behind it up to {@link VmbusServer#MAX_QUEUED} (a
 * guest that floods gets INSUFFICIENT_BUFFERS). Guarded by the server's lock, which the route's
 * delivery notice takes too, always before the route's own.
 */
final class HostMessages {
    private static final Logger LOG = LoggerFactory.getLogger(HostMessages.class);

    private final Object lock;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private VmbusServer.Route route;

    HostMessages(Object lock) {
        this.lock = lock;
    }

    /** From now on messages go through {@code r}. */
    void routeTo(VmbusServer.Route r) {
        route = r;
        r.onDelivered(this::delivered);
    }

    /** Forgets the route and whatever was waiting for it (the route is closed by its owner). */
    void drop() {
        queue.clear();
        route = null;
    }

    int queued() {
        return queue.size();
    }

    /** Queues a channel message for the guest and sends what can go now. */
    int send(byte[] channelMessage) {
        if (queue.size() >= VmbusServer.MAX_QUEUED) {
            return HvStatus.INSUFFICIENT_BUFFERS;
        }
        queue.add(hvMessage(channelMessage));
        pump();
        return HvStatus.SUCCESS;
    }

    private void pump() {
        while (route != null && !queue.isEmpty()) {
            Synic.PostResult r = route.post(queue.peek());
            switch (r) {
                case POSTED -> queue.poll();
                case QUEUED, BUSY -> {
                    // The route holds it until it is in the guest's slot (on the target vCPU's
                    // thread, after the guest's EOM if the slot is full), then calls delivered().
                    queue.poll();
                    return;
                }
                case ROUTE_BUSY -> {
                    return;
                }
                case NO_PAGE, STOPPED -> {
                    // The guest took its message page away, or its vCPU ended: what it cannot
                    // receive is dropped.
                    LOG.debug("VMBus: host messages cannot be delivered ({}); {} dropped", r, queue.size());
                    queue.clear();
                    return;
                }
            }
        }
    }

    private void delivered() {
        synchronized (lock) {
            pump();
        }
    }

    /** A SynIC message (hv_message: type, payload size, flags, port, payload) around a channel message. */
    static byte[] hvMessage(byte[] channelMessage) {
        byte[] msg = new byte[Synic.SLOT_SIZE];
        var b = ChannelMessage.le(msg);
        b.putInt(0, VmbusServer.HV_MESSAGE_VMBUS);
        msg[4] = (byte) channelMessage.length;
        System.arraycopy(channelMessage, 0, msg, 16, channelMessage.length);
        return msg;
    }
}
