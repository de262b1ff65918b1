// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import org.jvmm.vmm.devices.Serial16550;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds host input (stdin) to the guest's serial port on a daemon thread. The UART's receive
 * FIFO is small and refuses what does not fit, so the thread offers a chunk, and when only part
 * was taken waits until the guest has drained the FIFO (the serial's drained listener) before
 * offering the rest: nothing is lost and nothing piles up in memory. End of input ends only this
 * thread, never the VM: a guest started with {@code </dev/null} keeps running.
 */
final class SerialInput {
    private static final Logger LOG = LoggerFactory.getLogger(SerialInput.class);
    /** Re-check now and then even without a drained signal, in case the guest reset its FIFO. */
    private static final long RETRY_MILLIS = 50;

    private final InputStream in;
    private final Serial16550 serial;
    private final Object drained = new Object();
    /** Set by the drained listener; guarded by {@code drained}. */
    private boolean drainedSinceOffer;
    private Thread thread;

    SerialInput(InputStream in, Serial16550 serial) {
        this.in = Objects.requireNonNull(in);
        this.serial = Objects.requireNonNull(serial);
        serial.setRxDrainedListener(this::signalDrained);
    }

    /** Runs with the serial lock held: only wakes the feeder thread. */
    private void signalDrained() {
        synchronized (drained) {
            drainedSinceOffer = true;
            drained.notifyAll();
        }
    }

    void start() {
        thread = Thread.ofPlatform().name("serial-input").daemon(true).start(this::pump);
    }

    private void pump() {
        byte[] buf = new byte[256];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                offer(buf, n);
            }
        } catch (IOException e) {
            LOG.debug("console input ended: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void offer(byte[] buf, int n) throws InterruptedException {
        int off = 0;
        while (off < n) {
            synchronized (drained) {
                drainedSinceOffer = false;
            }
            // Never call into the serial while holding our lock: the serial calls
            // signalDrained with its own lock held, so the two locks would be taken in both orders.
            int taken = serial.enqueueInput(buf, off, n - off);
            off += taken;
            if (off < n) {
                synchronized (drained) {
                    if (!drainedSinceOffer) {
                        drained.wait(RETRY_MILLIS);
                    }
                }
            }
        }
    }

    /** Stops feeding; the thread may stay blocked in read() on stdin, which is why it is a daemon. */
    void stop() {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
