// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.util.Objects;
import java.util.Optional;
import org.jvmm.vmm.memory.GuestMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One offered VMBus channel: its relid and signalling connection id, the device behind it, and,
 * while the guest has it open, the ring buffer pair in the GPADL it opened it with (the guest's
 * send ring first, its receive ring from the page offset it named). Host to guest: a packet in the
 * receive ring, then the channel's event flag (bit relid) on the guest's VMBus SINT. Guest to
 * host: HvSignalEvent on the channel's connection id, after which the send ring is drained.
 *
 * <p>All state is guarded by this object's lock: the guest's signals arrive on vCPU threads (the
 * exit path) or on the hv-signal thread (KVM_HYPERV_EVENTFD), the devices' own sends on the VMBus
 * service thread, a rescind on the control socket's.
 */
public final class Channel {
    private static final Logger LOG = LoggerFactory.getLogger(Channel.class);
    /** Packets drained per guest signal: a guest that keeps its ring full cannot hold a vCPU thread. */
    static final int MAX_PACKETS_PER_SIGNAL = 256;

    /** Raises the channel's event flag in the guest. */
    @FunctionalInterface
    interface Signal {
        void raise();
    }

    private final int relid;
    private final ChannelDevice device;
    private RingBuffer fromGuest;
    private RingBuffer toGuest;
    private Signal signal;
    private int gpadlId = -1;
    private boolean broken;
    /** The kernel's route for the guest's signals while open (KVM_HYPERV_EVENTFD), or null. */
    private AutoCloseable guestSignals;
    /** The host took the device away: nothing more reaches it, though the guest may still close. */
    private boolean rescinded;

    Channel(int relid, ChannelDevice device) {
        this.relid = relid;
        this.device = Objects.requireNonNull(device);
    }

    public int relid() {
        return relid;
    }

    /** The connection id the guest signals this channel on (HvSignalEvent). */
    int connectionId() {
        return VmbusServer.CHANNEL_CONNECTION_BASE + relid;
    }

    ChannelDevice device() {
        return device;
    }

    public synchronized boolean isOpen() {
        return fromGuest != null;
    }

    synchronized int gpadlId() {
        return gpadlId;
    }

    /**
     * OPENCHANNEL with ring GPADL {@code gpadl} split at {@code downstreamPages}: true when the
     * split leaves both rings a control page and a data page and the channel was closed.
     */
    synchronized boolean open(GuestMemory memory, Gpadls.Gpadl gpadl, int downstreamPages, Signal signal) {
        return open(memory, gpadl, downstreamPages, signal, () -> null);
    }

    /**
     * As above, first taking the kernel's route for the guest's signals ({@code kernelSignals},
     * null when there is none; released when the channel closes). The route is in place before
     * the device speaks: a device's first message (an IC's negotiation) interrupts another vCPU,
     * whose answer would otherwise signal through a userspace exit while this one still opens the
     * channel (seen in the lab: one HvSignalEvent left the kernel). A signal that comes through
     * the route at once waits on this channel's lock until the device has been told.
     */
    synchronized boolean open(GuestMemory memory, Gpadls.Gpadl gpadl, int downstreamPages, Signal signal,
            java.util.function.Supplier<AutoCloseable> kernelSignals) {
        int total = gpadl.pfns().length;
        if (fromGuest != null || rescinded || downstreamPages < 2 || downstreamPages > total - 2) {
            return false;
        }
        long[] pages = new long[total];
        for (int i = 0; i < total; i++) {
            pages[i] = gpadl.gpa(i);
        }
        fromGuest = new RingBuffer(memory, java.util.Arrays.copyOfRange(pages, 0, downstreamPages));
        toGuest = new RingBuffer(memory, java.util.Arrays.copyOfRange(pages, downstreamPages, total));
        this.signal = signal;
        this.gpadlId = gpadl.id();
        broken = false;
        guestSignals = kernelSignals.get();
        device.opened(this);
        return true;
    }

    /** CLOSECHANNEL, RELID_RELEASED or an unload: the rings are forgotten. */
    synchronized void close() {
        if (fromGuest != null) {
            fromGuest = null;
            toGuest = null;
            signal = null;
            gpadlId = -1;
            release(guestSignals);
            guestSignals = null;
            if (!rescinded) {
                device.closed(this);
            }
        }
    }

    /**
     * The host rescinds the offer: from here on the device neither sends nor receives, and a guest
     * that goes on writing its ring or signalling is ignored. The rings stay known, so the guest's
     * own CLOSECHANNEL and GPADL_TEARDOWN are answered as usual until it releases the relid.
     */
    synchronized void rescind() {
        if (!rescinded) {
            rescinded = true;
            if (fromGuest != null) {
                device.closed(this);
            }
        }
    }

    synchronized boolean rescinded() {
        return rescinded;
    }

    private void release(AutoCloseable binding) {
        if (binding != null) {
            try {
                binding.close();
            } catch (Exception e) {
                LOG.warn("VMBus channel {} ({}): releasing its signal eventfd: {}", relid, device.name(), e.toString());
            }
        }
    }

    /**
     * Sends {@code data} as one in-band packet; false when the channel is closed or broken, or the
     * guest's receive ring is full (the caller tries again later: every service here repeats).
     */
    public synchronized boolean send(long transactionId, byte[] data) {
        if (toGuest == null || broken || rescinded) {
            return false;
        }
        try {
            Optional<Boolean> wake = toGuest.write(0, transactionId, data);
            if (wake.isEmpty()) {
                return false;
            }
            if (wake.get()) {
                signal.raise();
            }
            return true;
        } catch (RingBuffer.Corrupt e) {
            breakOff(e);
            return false;
        }
    }

    /** The guest signalled the channel: hand every packet it wrote to the device. */
    synchronized void guestSignalled() {
        if (fromGuest == null || broken || rescinded) {
            return;
        }
        try {
            for (int i = 0; i < MAX_PACKETS_PER_SIGNAL; i++) {
                Optional<RingBuffer.Packet> p = fromGuest.read();
                if (p.isEmpty()) {
                    break;
                }
                device.received(this, p.get());
                if (fromGuest == null || rescinded) {
                    return; // the device closed the channel, or the host took it away
                }
            }
            if (fromGuest.writerWaitsAndHasRoom()) {
                signal.raise();
            }
        } catch (RingBuffer.Corrupt e) {
            breakOff(e);
        }
    }

    private void breakOff(RingBuffer.Corrupt e) {
        broken = true;
        LOG.warn("VMBus channel {} ({}): the guest corrupted its ring buffer ({}); the channel stops",
                relid, device.name(), e.getMessage());
    }

    public String name() {
        return device.name();
    }
}
