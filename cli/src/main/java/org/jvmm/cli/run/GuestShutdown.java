// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.io.PrintWriter;
import java.time.Duration;
import org.jvmm.hyperv.vmbus.VmbusExtension;
import org.jvmm.vmm.linux.LinuxVm;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * A clean stop for a VM with VMBus, as a hypervisor host stops its guests: SIGTERM (or Ctrl-A s)
 * first asks the guest to power off through the shutdown integration service, and only when the
 * guest has not powered off within the grace period does jvmm stop the VM itself (exit 143). A
 * second SIGTERM, or a guest whose shutdown service is not running, stops it at once. When the
 * guest powers off in time jvmm exits 0 and says how long the guest took.
 */
final class GuestShutdown implements AutoCloseable {
    private final VmbusExtension vmbus;
    private final LinuxVm vm;
    private final PrintWriter err;
    private final Duration grace;
    private final SignalHandler previous;
    private long askedAt;
    private String askedBy;
    private Thread deadline;

    GuestShutdown(VmbusExtension vmbus, LinuxVm vm, PrintWriter err, Duration grace) {
        this.vmbus = vmbus;
        this.vm = vm;
        this.err = err;
        this.grace = grace;
        // The JVM's own TERM handling would run the shutdown hooks and exit 143 at once.
        this.previous = Signal.handle(new Signal("TERM"), sig -> ask("SIGTERM"));
    }

    /** Asks the guest to power off; called on the signal thread or the console's. */
    synchronized void ask(String how) {
        if (askedBy != null || !vmbus.requestShutdown()) {
            if ("SIGTERM".equals(how)) {
                vm.terminate(askedBy != null ? "a second SIGTERM" : "SIGTERM; the guest's shutdown service is not running");
            } else if (askedBy == null) {
                say(how + ": the guest's shutdown service is not running yet; Ctrl-A x stops the VM");
            }
            return;
        }
        askedBy = how;
        askedAt = System.nanoTime();
        say(how + ": asked the guest to power off; it has " + grace.toSeconds() + " s");
        deadline = Thread.ofPlatform().daemon().name("shutdown-grace").start(() -> {
            try {
                Thread.sleep(grace);
                vm.terminate(how + "; the guest did not power off within " + grace.toSeconds() + " s");
            } catch (InterruptedException e) {
                // the VM ended first
            }
        });
    }

    /** After the VM ended: how long the guest took, when it was asked and powered off. */
    synchronized void report(boolean poweredOff) {
        if (askedBy != null && poweredOff) {
            say(String.format("the guest powered off %.1f s after %s",
                    (System.nanoTime() - askedAt) / 1e9, askedBy));
        }
    }

    private void say(String line) {
        err.println("jvmm: " + line);
        err.flush();
    }

    @Override
    public synchronized void close() {
        if (deadline != null) {
            deadline.interrupt();
        }
        Signal.handle(new Signal("TERM"), previous);
    }
}
