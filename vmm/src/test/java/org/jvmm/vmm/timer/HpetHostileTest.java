// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.timer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.jvmm.vmm.bus.IrqLine;
import org.junit.jupiter.api.Test;

/**
 * A hostile guest against the HPET: random values written at random offsets with every access
 * size, aligned or not, inside and across the block's end, interleaved with the host thread's
 * work. Nothing may throw, the host thread must never be asked to run again at once (it would
 * spin), and no line may be raised faster than the per-timer limit allows.
 */
class HpetHostileTest {
    private static final int[] SIZES = {1, 2, 4, 8};
    /** Offsets that matter most, hit more often than a uniform pick would. */
    private static final int[] HOT = {0x10, 0x20, 0xf0, 0xf4, 0x100, 0x104, 0x108, 0x10c, 0x120, 0x128, 0x140, 0x148};

    @Test
    void randomWritesOfEveryRegisterNeitherThrowNorStorm() {
        for (long seed = 1; seed <= 20; seed++) {
            run(new Random(seed));
        }
    }

    private static void run(Random r) {
        FakeClock clock = new FakeClock();
        CountingLines lines = new CountingLines();
        Hpet hpet = new Hpet(clock, lines, on -> { });
        long start = clock.now;
        int writes = 0;
        for (int step = 0; step < 20_000; step++) {
            int offset = r.nextInt(4) == 0 ? HOT[r.nextInt(HOT.length)] + r.nextInt(3) - 1 : r.nextInt(Hpet.SIZE + 8);
            offset = Math.clamp(offset, 0, Hpet.SIZE - 1); // the bus hands the device offsets inside it
            int size = SIZES[r.nextInt(SIZES.length)];
            long value = switch (r.nextInt(4)) {
                case 0 -> r.nextLong();
                case 1 -> r.nextInt(16);                        // tiny periods and comparators
                case 2 -> -1L - r.nextInt(16);                  // near the wrap
                default -> 0x7 | 0x8 | 0x40 | 0x100 | (2 << 9); // a plausible timer config
            };
            if (r.nextBoolean()) {
                hpet.write(offset, size, value);
                writes++;
            } else {
                hpet.read(offset, size);
            }
            long next = hpet.runDue(clock.now);
            assertTrue(next > clock.now, "the host thread would spin");
            clock.advance(r.nextInt(3) == 0 ? Math.min(next - clock.now, 1_000_000) : r.nextInt(2_000));
        }
        long elapsed = clock.now - start;
        long perTimer = elapsed / Hpet.MIN_INTERVAL_NS + 1;
        // Each fire raises at most one line; a write can move held levels to other lines.
        long bound = Hpet.TIMERS * perTimer + (long) Hpet.TIMERS * writes;
        assertTrue(lines.total() <= bound, lines.total() + " raises in " + elapsed + " ns");
    }

    @Test
    void theHostThreadStaysIdleEnoughUnderAOneTickPeriodOnAllThreeTimers() throws Exception {
        AtomicInteger edges = new AtomicInteger();
        IrqLine line = on -> {
            if (on) {
                edges.incrementAndGet();
            }
        };
        List<Long> legacy = new ArrayList<>();
        try (Hpet hpet = new Hpet(NanoClock.HOST, gsi -> line, on -> legacy.add(1L))) {
            hpet.start();
            hpet.write(0x10, 4, 1);
            for (int t = 0; t < Hpet.TIMERS; t++) {
                int base = 0x100 + 0x20 * t;
                hpet.write(base, 4, 0x4 | 0x8 | 0x40 | (2 << 9));
                hpet.write(base + 8, 8, 0);
                hpet.write(base + 8, 8, 1);
            }
            long t0 = System.nanoTime();
            Thread.sleep(300);
            long elapsed = System.nanoTime() - t0;
            int n = edges.get();
            long most = Hpet.TIMERS * (elapsed / Hpet.MIN_INTERVAL_NS + 2);
            assertTrue(n > 0 && n <= most, n + " edges in " + elapsed + " ns, at most " + most);
        }
    }
}
