// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.timer;

/**
 * One HPET comparator ("timer N", IA-PC HPET 1.0a, section 2.3.8): its configuration, comparator
 * and period as the guest programmed them, and when the host should next act for it, with the
 * arithmetic that turns counter ticks into host deadlines. Plain fields, no locking of its own:
 * only {@link Hpet} touches it, always under the HPET's lock.
 */
final class HpetTimer {
    /** Tn_CONFIG bits: interrupt type (level when set), enable, periodic, the two read-only
     *  capabilities, value-set, 32-bit mode and the 5-bit I/O APIC route. */
    static final long LEVEL = 1L << 1;
    static final long ENABLE = 1L << 2;
    static final long PERIODIC = 1L << 3;
    static final long PERIODIC_CAP = 1L << 4;
    static final long SIZE_64_CAP = 1L << 5;
    static final long VAL_SET = 1L << 6;
    static final long MODE_32 = 1L << 8;
    static final int ROUTE_SHIFT = 9;
    static final long ROUTE = 0x1fL << ROUTE_SHIFT;
    /** What the guest may change; FSB delivery (bit 14) is not offered, so it stays 0. */
    static final long WRITABLE = LEVEL | ENABLE | PERIODIC | VAL_SET | MODE_32 | ROUTE;
    /** A deadline that never comes. */
    static final long NEVER = Long.MAX_VALUE;
    static final long LOW_32 = 0xffff_ffffL;

    final int index;
    /** Only {@link #WRITABLE} bits. */
    long config;
    /** The comparator: the count of the next match (in periodic mode advanced by the period). */
    long comparator = -1L;
    long period;
    /** The FSB route register: kept for read-back only, since FSB delivery is not offered. */
    long fsb;
    /** Host nanoseconds when the next interrupt is due, or {@link #NEVER}. */
    long deadline = NEVER;
    /** The due interrupt is the 32-bit counter's wrap, which comes before the match (one-shot). */
    boolean wrapFirst;
    boolean firedOnce;
    long lastFired;

    HpetTimer(int index) {
        this.index = index;
    }

    boolean enabled() {
        return (config & ENABLE) != 0;
    }

    boolean level() {
        return (config & LEVEL) != 0;
    }

    boolean periodic() {
        return (config & PERIODIC) != 0;
    }

    boolean mode32() {
        return (config & MODE_32) != 0;
    }

    int route() {
        return (int) ((config & ROUTE) >>> ROUTE_SHIFT);
    }

    /** The comparator's width as a mask: 32 bits in 32-bit mode, else 64. */
    long widthMask() {
        return mode32() ? LOW_32 : -1L;
    }

    /** {@code delta} as a signed distance in this timer's width, as the hardware compares. */
    long signed(long delta) {
        return mode32() ? (int) delta : delta;
    }

    /** The bit of this timer in the general interrupt status register. */
    long statusBit() {
        return 1L << index;
    }

    /** Schedules the next interrupt from the comparator and the counter now (running). */
    void arm(HpetCounter counter, long now) {
        long cur = counter.at(now);
        long ahead = signed(comparator - cur);
        long ticks = ahead > 0 ? ahead : 1; // a comparator in the past fires at the next tick
        wrapFirst = false;
        if (mode32() && !periodic()) {
            long toWrap = (1L << 32) - (cur & LOW_32);
            if (toWrap < ticks) { // the specification's wrap interrupt in 32-bit one-shot mode
                ticks = toWrap;
                wrapFirst = true;
            }
        }
        deadline = limited(counter.deadline(now, ticks));
    }

    void disarm() {
        deadline = NEVER;
        wrapFirst = false;
    }

    /**
     * Reschedules after the interrupt due at {@code now}: in periodic mode the comparator moves
     * past the counter by whole periods; a one-shot (or period 0, as QEMU) is done.
     */
    void fired(HpetCounter counter, long now) {
        firedOnce = true;
        lastFired = now;
        long cur = counter.at(now);
        if (wrapFirst) {
            arm(counter, now); // the match is still to come
        } else if (periodic() && period != 0) {
            long mask = widthMask();
            long behind = (cur - comparator) & mask;
            // Matches missed (a late thread, or a period under the interrupt limit) are skipped
            // in one step, not looped over: a hostile period of 1 tick costs one division.
            long k = signed(cur - comparator) < 0 ? 1 : Long.divideUnsigned(behind, period) + 1;
            comparator = (comparator + k * period) & mask;
            deadline = limited(counter.deadline(now, (comparator - cur) & mask));
        } else {
            deadline = NEVER;
        }
    }

    /** No earlier than {@link Hpet#MIN_INTERVAL_NS} after the last interrupt. */
    private long limited(long at) {
        return firedOnce ? Math.max(at, lastFired + Hpet.MIN_INTERVAL_NS) : at;
    }
}
