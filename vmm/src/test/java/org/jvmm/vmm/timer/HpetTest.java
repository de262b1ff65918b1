// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HPET's registers and interrupts on a fake clock, driven as the host thread would. */
class HpetTest {
    static final int CFG = 0x10;
    static final int STATUS = 0x20;
    static final int COUNTER = 0xf0;
    static final int T0_CFG = 0x100;
    static final int T0_CMP = 0x108;
    static final int T2_CFG = 0x140;
    static final int T2_CMP = 0x148;
    static final long ENABLE = 1;
    static final long LEGACY = 2;

    final FakeClock clock = new FakeClock();
    final CountingLines lines = new CountingLines();
    final List<Boolean> legacy = new ArrayList<>();
    final Hpet hpet = new Hpet(clock, lines, legacy::add);

    /** Runs the host thread's loop until {@code nanos} have passed on the fake clock. */
    void runFor(long nanos) {
        long end = clock.now + nanos;
        while (true) {
            long next = hpet.runDue(clock.now);
            assertTrue(next > clock.now, "the timer thread would spin: next deadline " + next + " at " + clock.now);
            if (next > end) {
                clock.now = end;
                return;
            }
            clock.now = next;
        }
    }

    @Test
    void capabilitiesAreQemusAnd32BitHalvesReadAlone() {
        assertEquals(0x0098_9680_8086_a201L, hpet.read(0, 8));
        assertEquals(0x8086_a201L, hpet.read(0, 4));
        assertEquals(0x0098_9680L, hpet.read(4, 4), "period in femtoseconds: 10 ns");
        assertEquals(0x86L, hpet.read(2, 1));
        assertEquals(Hpet.BLOCK_ID, (int) hpet.read(0, 4));
        long t0 = hpet.read(T0_CFG, 8);
        assertEquals(1L << 2, t0 >>> 32, "I/O APIC input 2 only, as QEMU's pc");
        assertEquals(0x30, t0 & 0x30, "periodic and 64-bit capable");
    }

    @Test
    void theCounterRunsAt100MHzOnlyWhenEnabledAndIsWritableOnlyWhenHalted() {
        clock.advance(5_000);
        assertEquals(0, hpet.read(COUNTER, 8));
        hpet.write(COUNTER, 8, 0x1_0000_0000L - 5);
        hpet.write(CFG, 4, ENABLE);
        clock.advance(1_000);
        assertEquals(0x1_0000_0000L + 95, hpet.read(COUNTER, 8));
        assertEquals(95, hpet.read(COUNTER, 4));
        assertEquals(1, hpet.read(COUNTER + 4, 4));
        hpet.write(COUNTER, 8, 7); // ignored while running
        assertEquals(0x1_0000_0000L + 95, hpet.read(COUNTER, 8));
        hpet.write(CFG, 4, 0);
        clock.advance(1_000_000);
        assertEquals(0x1_0000_0000L + 95, hpet.read(COUNTER, 8), "halted");
        hpet.write(COUNTER + 4, 4, 0);
        assertEquals(95, hpet.read(COUNTER, 8), "a 32-bit write changes its half only");
    }

    @Test
    void legacyPeriodicTimer0TicksIrq0AtTheProgrammedRateAsLinuxProgramsIt() {
        hpet.write(CFG, 4, LEGACY | ENABLE);
        assertEquals(List.of(true), legacy);
        // Linux's hpet_clkevt_set_state_periodic: ENABLE|PERIODIC|SETVAL|32BIT, then the first
        // comparator (now + period) and the period on its own.
        long period = 100_000; // 1 ms
        hpet.write(T0_CFG, 4, 0x4 | 0x8 | 0x40 | 0x100);
        long now = hpet.read(COUNTER, 4);
        hpet.write(T0_CMP, 4, now + period);
        hpet.write(T0_CMP, 4, period);
        runFor(1_000_000_000L);
        assertEquals(1000, lines.raised[0], "1 s at 1 kHz");
        assertFalse(lines.level[0], "edge-triggered: pulsed, not held");
        assertEquals(0, hpet.read(STATUS, 8), "edge mode leaves the status bit clear");
        hpet.write(CFG, 4, ENABLE);
        assertEquals(List.of(true, false), legacy);
    }

    @Test
    void aOneShotFiresOnceAtItsComparator() {
        hpet.write(CFG, 4, ENABLE);
        hpet.write(T2_CFG, 4, 0x4 | (2 << 9)); // edge, I/O APIC input 2
        hpet.write(T2_CMP, 8, 500);             // 5 us after the counter started
        long deadline = hpet.runDue(clock.now);
        assertEquals(clock.now + 5_000, deadline);
        hpet.runDue(deadline - 1);
        assertEquals(0, lines.raised[2]);
        runFor(1_000_000);
        assertEquals(1, lines.raised[2]);
    }

    @Test
    void aLevelInterruptHoldsItsLineUntilTheGuestClearsTheStatusBit() {
        hpet.write(CFG, 4, ENABLE);
        hpet.write(T2_CFG, 4, 0x2 | 0x4 | (2 << 9));
        hpet.write(T2_CMP, 8, 100);
        runFor(10_000);
        assertTrue(lines.level[2]);
        assertEquals(1L << 2, hpet.read(STATUS, 8));
        hpet.write(STATUS, 4, 1); // another timer's bit: no effect
        assertTrue(lines.level[2]);
        hpet.write(STATUS, 1, 1L << 2);
        assertFalse(lines.level[2]);
        assertEquals(0, hpet.read(STATUS, 8));
    }

    @Test
    void aRouteTheTimerDoesNotAdvertiseRaisesNothing() {
        hpet.write(CFG, 4, ENABLE);
        hpet.write(T2_CFG, 4, 0x4 | (5 << 9));
        hpet.write(T2_CMP, 8, 100);
        runFor(1_000_000);
        assertEquals(0, lines.total());
    }

    @Test
    void aComparatorInThePastFiresOnceSoon() {
        hpet.write(CFG, 4, ENABLE);
        clock.advance(1_000_000);
        hpet.write(T2_CFG, 4, 0x4 | (2 << 9));
        hpet.write(T2_CMP, 8, 5); // the counter is at 100000 already
        runFor(20);
        assertEquals(1, lines.raised[2]);
        runFor(10_000_000_000L);
        assertEquals(1, lines.raised[2], "a 64-bit one-shot matches again only after 2^64 ticks");
    }

    @Test
    void thirtyTwoBitOneShotAlsoInterruptsWhenTheCounterWraps() {
        hpet.write(COUNTER, 8, 0xffff_ffffL - 99); // 100 ticks before the 32-bit wrap
        hpet.write(T2_CFG, 4, 0x4 | 0x100 | (2 << 9));
        hpet.write(T2_CMP, 4, 50);                 // 150 ticks away, past the wrap
        hpet.write(CFG, 4, ENABLE);
        runFor(999);
        assertEquals(0, lines.raised[2]);
        runFor(1);
        assertEquals(1, lines.raised[2], "the wrap");
        // The match is 50 ticks on, but one timer interrupts at most every MIN_INTERVAL_NS.
        runFor(Hpet.MIN_INTERVAL_NS - 1);
        assertEquals(1, lines.raised[2]);
        runFor(1);
        assertEquals(2, lines.raised[2], "the match");
        assertEquals(0, hpet.runDue(clock.now) == Long.MAX_VALUE ? 0 : 1, "and nothing after");
    }

    @Test
    void periodZeroFiresOnceAndATinyPeriodIsRateLimited() {
        hpet.write(CFG, 4, ENABLE);
        hpet.write(T2_CFG, 4, 0x4 | 0x8 | 0x40 | (2 << 9));
        hpet.write(T2_CMP, 8, 10);
        hpet.write(T2_CMP, 8, 0); // period 0
        runFor(1_000_000_000L);
        assertEquals(1, lines.raised[2]);
        hpet.write(T2_CFG, 4, 0x4 | 0x8 | 0x40 | (2 << 9));
        hpet.write(T2_CMP, 8, hpet.read(COUNTER, 8) + 1);
        hpet.write(T2_CMP, 8, 1); // one tick: 100 MHz asked for
        runFor(1_000_000_000L);
        long limit = 1_000_000_000L / Hpet.MIN_INTERVAL_NS;
        assertTrue(lines.raised[2] - 1 <= limit + 1, "at most 10 kHz: " + lines.raised[2]);
        assertTrue(lines.raised[2] - 1 >= limit - 1, "and not slower either: " + lines.raised[2]);
    }

    @Test
    void disablingTheTimerOrTheBlockWithdrawsALevelInterrupt() {
        hpet.write(CFG, 4, ENABLE);
        hpet.write(T2_CFG, 4, 0x2 | 0x4 | (2 << 9));
        hpet.write(T2_CMP, 8, 100);
        runFor(10_000);
        assertTrue(lines.level[2]);
        hpet.write(CFG, 4, 0);
        assertFalse(lines.level[2]);
        assertEquals(0, hpet.read(STATUS, 8));
    }

    @Test
    void legacyModeMovesTimer1ToIrq8() {
        hpet.write(CFG, 4, ENABLE | LEGACY);
        hpet.write(0x120, 4, 0x4);
        hpet.write(0x128, 8, 100);
        runFor(10_000);
        assertEquals(1, lines.raised[8]);
        assertEquals(1, lines.total());
    }

    @Test
    void aMisalignedAccessAcrossTwoRegistersReachesBoth() {
        hpet.write(0x0c, 8, 1L << 32 | 0xffff_ffffL); // reserved 0x0c..0x0f, then CONFIG's low half
        assertEquals(ENABLE, hpet.read(CFG, 8));
        assertEquals(0x8086_a201L >>> 16 | 0x9680L << 16, hpet.read(0x02, 4), "capabilities, bytes 2..5");
        assertEquals(1L << 16, hpet.read(0x0e, 4), "a reserved hole reads 0, CONFIG's bytes follow");
        hpet.write(Hpet.SIZE - 2, 8, -1L); // runs past the block's end: the rest is dropped
        assertEquals(0, hpet.read(Hpet.SIZE - 2, 8));
    }
}
