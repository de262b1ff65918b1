// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import java.util.Objects;
import org.jvmm.vmm.spi.VcpuTasks;

/**
 * A host-side source of one SINT of one VP, as QEMU's {@code HvSintRoute}: it raises the SINT,
 * posts messages into the SINT's message slot and sets its event flags.
 *
 * <p>Messages go into the slot on the VP's own vCPU thread, outside KVM_RUN, as QEMU's
 * {@code hyperv_post_msg} hands them to {@code run_on_cpu}: {@link #post} stages the message and
 * queues the delivery there, so the slot check, the msg_pending flag and the copy never overlap the
 * guest on that vCPU or KVM's own timer messages (see {@link Synic#postMessage}). At most one
 * message is in flight: when the slot is still occupied the message stays staged, msg_pending asks
 * the guest for an EOM, and the EOM (or EOI of the SINT vector) comes back as {@link #acked()},
 * which queues the delivery again.
 */
public final class SintRoute implements AutoCloseable {
    private final Synic synic;
    private final int sint;
    private final SintSignal signal;
    private final VcpuTasks vcpu;
    private byte[] staged;
    /** A delivery of {@link #staged} is queued on the vCPU and has not run yet. */
    private boolean deliveryQueued;
    private Synic.PostResult lastResult;
    private Runnable onDelivered = () -> {};
    private boolean closed;

    /**
     * @param vcpu runs the deliveries on the thread of vCPU {@code synic.vpIndex()} (VP index and
     *             vCPU index are the same in jvmm)
     */
    public SintRoute(Synic synic, int sint, SintSignal signal, VcpuTasks vcpu) {
        if (sint < 0 || sint >= Synic.SINT_COUNT) {
            throw new IllegalArgumentException("SINT " + sint + " is outside 0.." + (Synic.SINT_COUNT - 1));
        }
        this.synic = Objects.requireNonNull(synic);
        this.sint = sint;
        this.signal = Objects.requireNonNull(signal);
        this.vcpu = Objects.requireNonNull(vcpu);
    }

    public int vpIndex() {
        return synic.vpIndex();
    }

    public int sint() {
        return sint;
    }

    /** Called (on the vCPU thread) whenever a staged message reaches the slot. */
    public synchronized void onDelivered(Runnable r) {
        onDelivered = Objects.requireNonNull(r);
    }

    public void raise() {
        signal.raise();
    }

    /**
     * Stages a 256-byte hv_message and queues its delivery on the vCPU. QUEUED: it goes into the
     * slot before the vCPU next enters the guest, or after the guest's EOM if the slot is busy then.
     * ROUTE_BUSY: a message is already staged (or the route is closed). STOPPED: the vCPU no longer
     * runs.
     */
    public synchronized Synic.PostResult post(byte[] message) {
        if (message.length != Synic.SLOT_SIZE) {
            throw new IllegalArgumentException("a Hyper-V message is " + Synic.SLOT_SIZE + " bytes, got " + message.length);
        }
        if (closed || staged != null) {
            synic.countRouteBusy(sint);
            return Synic.PostResult.ROUTE_BUSY;
        }
        staged = message.clone();
        if (!queueDelivery()) {
            staged = null;
            return Synic.PostResult.STOPPED;
        }
        return Synic.PostResult.QUEUED;
    }

    /** Caller holds the monitor. False if the vCPU refused the task (it has ended). */
    private boolean queueDelivery() {
        if (deliveryQueued) {
            return true;
        }
        deliveryQueued = true;
        if (vcpu.runOnVcpu(synic.vpIndex(), this::deliver).isCancelled()) {
            deliveryQueued = false;
            return false;
        }
        return true;
    }

    /** On the vCPU thread: the staged message into the slot, or msg_pending if it is busy. */
    private void deliver() {
        Runnable delivered = null;
        synchronized (this) {
            deliveryQueued = false;
            if (staged == null || closed) {
                return;
            }
            Synic.PostResult r = synic.postMessage(sint, staged, signal::raise);
            lastResult = r;
            if (r != Synic.PostResult.BUSY) {
                staged = null;
                delivered = r == Synic.PostResult.POSTED ? onDelivered : null;
            }
        }
        if (delivered != null) {
            delivered.run();
        }
    }

    /** True while a message is staged (queued, or waiting for the guest's EOM). */
    public synchronized boolean hasWaitingMessage() {
        return staged != null;
    }

    /** What the last delivery found: POSTED, BUSY (waiting for EOM) or NO_PAGE; null before any. */
    public synchronized Synic.PostResult lastResult() {
        return lastResult;
    }

    /** Sets event flag {@code flag} of this SINT; 0 or a negative errno (see {@link Synic#setEventFlag}). */
    public int setEventFlag(int flag) {
        return synic.setEventFlag(sint, flag, signal::raise);
    }

    /** The guest acknowledged the SINT (EOM or EOI), on any thread: retry a staged message. */
    public synchronized void acked() {
        if (staged != null && !closed && !queueDelivery()) {
            staged = null;
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            staged = null;
            signal.close();
        }
    }
}
