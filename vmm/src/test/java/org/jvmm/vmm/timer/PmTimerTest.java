// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PmTimerTest {
    @Test
    void countsAt3579545HzAndWrapsAt24Bits() {
        FakeClock clock = new FakeClock();
        PmTimer t = new PmTimer(clock);
        assertEquals(0, t.value());
        clock.advance(1_000_000_000L);
        assertEquals(3_579_545, t.value());
        clock.advance(279); // 1 s + 279 ns is 3579545.999 ticks: still the same tick
        assertEquals(3_579_545, t.value());
        clock.advance(1);
        assertEquals(3_579_546, t.value());
        clock.advance(9_000_000_000L - 280);
        assertEquals(35_795_450 & 0xff_ffff, t.value(), "ten seconds, modulo 2^24");
    }

    @Test
    void theTickCountDoesNotOverflowInACentury() {
        long century = 100L * 365 * 24 * 3600 * 1_000_000_000L;
        assertEquals(100L * 365 * 24 * 3600 * 3_579_545L, PmTimer.ticks(century));
    }

    @Test
    void aHostClockGoingBackDoesNotMoveTheCounterBack() {
        FakeClock clock = new FakeClock();
        PmTimer t = new PmTimer(clock);
        clock.advance(2_000_000);
        long seen = t.value();
        clock.advance(-1_000_000);
        assertEquals(seen, t.value());
        clock.advance(1_000_000 + 1_000);
        assertTrue(t.value() > seen);
    }

    @Test
    void readsFromManyThreadsNeverGoBackwards() throws Exception {
        PmTimer t = new PmTimer(NanoClock.HOST);
        AtomicReference<String> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                long last = t.value();
                for (int n = 0; n < 200_000; n++) {
                    long v = t.value();
                    long delta = (v - last) & PmTimer.MASK; // modulo the 24-bit wrap
                    if (delta > PmTimer.MASK / 2) {
                        failure.compareAndSet(null, "went back from " + last + " to " + v);
                    }
                    last = v;
                }
            }));
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(null, failure.get());
    }
}
