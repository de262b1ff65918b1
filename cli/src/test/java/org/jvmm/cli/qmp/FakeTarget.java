// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import org.jvmm.vmm.balloon.BalloonControl;

/** A QmpTarget without a VM: it records what QMP asked of it. */
final class FakeTarget implements QmpTarget {
    volatile RunState status = RunState.RUNNING;
    volatile boolean powerdownWorks = true;
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile Optional<BalloonControl> balloon = Optional.empty();

    @Override
    public RunState status() {
        return status;
    }

    @Override
    public void powerdown() {
        if (!powerdownWorks) {
            throw QmpError.generic("the guest's shutdown service is not running");
        }
        calls.add("powerdown");
    }

    @Override
    public void quit() {
        calls.add("quit");
    }

    @Override
    public void balloon(long bytes) {
        BalloonQmp.balloon(balloon, bytes);
    }

    @Override
    public BalloonInfo queryBalloon() {
        return BalloonQmp.query(balloon);
    }

    /** A balloon whose guest reaches every target at once. */
    static final class FakeBalloon implements BalloonControl {
        volatile long actual;
        volatile boolean ready = true;
        volatile Optional<GuestMemoryReport> report = Optional.empty();
        final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();

        FakeBalloon(long actual) {
            this.actual = actual;
        }

        @Override
        public long actualBytes() {
            return actual;
        }

        @Override
        public boolean setTarget(long bytes) {
            if (!ready) {
                return false;
            }
            actual = bytes;
            listeners.forEach(l -> l.accept(bytes));
            return true;
        }

        @Override
        public Optional<GuestMemoryReport> lastReport() {
            return report;
        }

        @Override
        public void onChange(LongConsumer listener) {
            listeners.add(listener);
        }
    }
}
