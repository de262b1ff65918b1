// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.jvmm.bindings.libc.LibC;

/** The ack thread without KVM: eventfds stand in for KVM's resample fds. */
class SintAckPollerTest {
    static void signal(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            LibC.write(fd, one);
        }
    }

    /** The eventfd's counter, taken without blocking (-errno if it is 0). */
    static long take(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(ValueLayout.JAVA_LONG);
            long r = LibC.readOrErrno(fd, c);
            return r == 8 ? c.get(ValueLayout.JAVA_LONG, 0) : r;
        }
    }

    static void await(AtomicInteger n, int atLeast) throws InterruptedException {
        for (int i = 0; i < 500 && n.get() < atLeast; i++) {
            Thread.sleep(10);
        }
        assertTrue(n.get() >= atLeast, "callback ran " + n.get() + " times, expected " + atLeast);
    }

    @Test
    void aThrowingCallbackDoesNotStopTheOthers() throws Exception {
        int bad = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        int good = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        AtomicInteger badRuns = new AtomicInteger();
        AtomicInteger goodRuns = new AtomicInteger();
        try (SintAckPoller p = new SintAckPoller("test-ack")) {
            p.watch(bad, () -> {
                badRuns.incrementAndGet();
                throw new IllegalStateException("a route's bug");
            });
            p.watch(good, goodRuns::incrementAndGet);
            for (int i = 1; i <= 3; i++) {
                signal(bad);
                await(badRuns, i);
                signal(good);
                await(goodRuns, i);
            }
            p.unwatch(bad);
            p.unwatch(good);
        } finally {
            LibC.close(bad);
            LibC.close(good);
        }
    }

    @Test
    void afterUnwatchThePollerNeverTouchesTheFdNumberAgain() throws Exception {
        AtomicInteger acks = new AtomicInteger();
        try (SintAckPoller p = new SintAckPoller("test-ack")) {
            int steady = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
            p.watch(steady, acks::incrementAndGet);
            for (int i = 0; i < 2000; i++) {
                int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
                p.watch(fd, acks::incrementAndGet);
                signal(fd);
                signal(steady);
                p.unwatch(fd);
                LibC.close(fd);
                // The number is free now and the next eventfd usually gets it: a poller still
                // holding the old number would take this one's counter.
                int foreign = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
                signal(foreign);
                signal(steady);
                Thread.onSpinWait();
                assertEquals(1, take(foreign), "round " + i + ": the poller read an fd it no longer watches");
                LibC.close(foreign);
            }
            p.unwatch(steady);
            LibC.close(steady);
        }
        assertTrue(acks.get() > 0);
    }
}
