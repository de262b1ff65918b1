// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.timer;

/**
 * The HPET's main counter as an immutable snapshot: {@code value} at host time {@code since}
 * (nanoseconds of the {@link NanoClock}), advancing one tick per {@link Hpet#NANOS_PER_TICK}
 * while {@code running}. The HPET publishes a new snapshot whenever the guest starts, stops or
 * sets the counter, so a reader needs no lock.
 */
record HpetCounter(boolean running, long value, long since) {
    /** The count at host time {@code now}; unsigned 64-bit, wrapping as the hardware does. */
    long at(long now) {
        return running ? value + Math.floorDiv(now - since, Hpet.NANOS_PER_TICK) : value;
    }

    /**
     * The host time at which the count will have advanced {@code ticks} (unsigned) from its
     * value at {@code now}, to the nanosecond; {@link HpetTimer#NEVER} past the long range.
     */
    long deadline(long now, long ticks) {
        if (ticks < 0 || ticks > Long.MAX_VALUE / Hpet.NANOS_PER_TICK) {
            return HpetTimer.NEVER;
        }
        long intoTick = Math.floorMod(now - since, Hpet.NANOS_PER_TICK);
        long at = now + (ticks * Hpet.NANOS_PER_TICK - intoTick);
        return at < now ? HpetTimer.NEVER : at;
    }
}
