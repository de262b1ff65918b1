// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import java.util.Objects;

/**
 * A host-side source of one SINT of one VP, as QEMU's {@code HvSintRoute}: it raises the SINT,
 * posts messages into the SINT's message slot and sets its event flags. At most one message is in
 * flight: when the slot is still occupied the message waits here, the slot's msg_pending flag
 * asks the guest for an EOM, and the guest's EOM (or EOI of the SINT vector) comes back as
 * {@link #acked()} and re-posts it, the protocol of QEMU's staged messages.
 */
public final class SintRoute implements AutoCloseable {
    private final Synic synic;
    private final int sint;
    private final SintSignal signal;
    private byte[] waiting;
    private Runnable onDelivered = () -> {};
    private boolean closed;

    public SintRoute(Synic synic, int sint, SintSignal signal) {
        if (sint < 0 || sint >= Synic.SINT_COUNT) {
            throw new IllegalArgumentException("SINT " + sint + " is outside 0.." + (Synic.SINT_COUNT - 1));
        }
        this.synic = Objects.requireNonNull(synic);
        this.sint = sint;
        this.signal = Objects.requireNonNull(signal);
    }

    public int vpIndex() {
        return synic.vpIndex();
    }

    public int sint() {
        return sint;
    }

    /** Called (on the ack thread) whenever a waiting message finally reaches the slot. */
    public synchronized void onDelivered(Runnable r) {
        onDelivered = Objects.requireNonNull(r);
    }

    public void raise() {
        signal.raise();
    }

    /**
     * Posts a 256-byte hv_message. POSTED: in the slot, SINT raised. BUSY: the slot is occupied;
     * the message waits here and goes in after the guest's EOM. ROUTE_BUSY: a message is already
     * waiting. NO_PAGE: the guest has no message page.
     */
    public synchronized Synic.PostResult post(byte[] message) {
        if (closed || waiting != null) {
            synic.countRouteBusy(sint);
            return Synic.PostResult.ROUTE_BUSY;
        }
        Synic.PostResult r = synic.postMessage(sint, message, signal::raise);
        if (r == Synic.PostResult.BUSY) {
            waiting = message.clone();
        }
        return r;
    }

    /** True while a message waits for the guest's EOM. */
    public synchronized boolean hasWaitingMessage() {
        return waiting != null;
    }

    /** Sets event flag {@code flag} of this SINT; 0 or a negative errno (see {@link Synic#setEventFlag}). */
    public int setEventFlag(int flag) {
        return synic.setEventFlag(sint, flag, signal::raise);
    }

    /** The guest acknowledged the SINT (EOM or EOI): retry the waiting message, if any. */
    public void acked() {
        Runnable delivered = null;
        synchronized (this) {
            if (waiting != null && !closed) {
                Synic.PostResult r = synic.postMessage(sint, waiting, signal::raise);
                if (r != Synic.PostResult.BUSY) {
                    waiting = null;
                    delivered = r == Synic.PostResult.POSTED ? onDelivered : null;
                }
            }
        }
        if (delivered != null) {
            delivered.run();
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            waiting = null;
            signal.close();
        }
    }
}
