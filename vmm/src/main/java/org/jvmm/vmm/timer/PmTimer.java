// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.timer;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ACPI power-management timer (ACPI 6.5, section 4.8.3.3): a free-running counter at
 * 3.579545 MHz that the guest reads from the PM timer block the FADT names. It is 24 bits wide,
 * as on QEMU's PIIX4 and ICH9 (the FADT leaves TMR_VAL_EXT clear, and Linux's acpi_pm
 * clocksource masks to 24 bits whatever the flag says); it wraps every 4.69 s and raises no
 * interrupt (TMR_STS and the SCI stay quiet, as {@link org.jvmm.vmm.acpi.AcpiPm} raises none).
 *
 * <p>The count is computed from the host clock at each read, so it cannot drift from the host
 * and nothing has to run between reads. Reads come from any number of vCPU threads at once and
 * take no lock: the only shared state is the highest elapsed time any read has returned, kept
 * with a lock-free maximum, so the counter never appears to run backwards across vCPUs even if
 * the host clock were to disagree between CPUs.
 */
public final class PmTimer {
    /** The ACPI timer's rate in Hz (the PC's 14.31818 MHz crystal divided by 4). */
    public static final long FREQUENCY_HZ = 3_579_545;
    /** Counter bits. */
    public static final int BITS = 24;
    static final long MASK = (1L << BITS) - 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final NanoClock clock;
    private final long origin;
    private final AtomicLong highWater = new AtomicLong();

    public PmTimer(NanoClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.origin = clock.nanoTime();
    }

    /** The counter now: ticks since creation, modulo 2^24. */
    public long value() {
        long elapsed = clock.nanoTime() - origin;
        long seen = highWater.accumulateAndGet(elapsed, Math::max);
        return ticks(seen) & MASK;
    }

    /**
     * Whole ticks in {@code nanos} (non-negative), split at the second so that the product cannot
     * overflow however long the VM runs.
     */
    static long ticks(long nanos) {
        long seconds = nanos / NANOS_PER_SECOND;
        long rest = nanos % NANOS_PER_SECOND;
        return seconds * FREQUENCY_HZ + rest * FREQUENCY_HZ / NANOS_PER_SECOND;
    }
}
