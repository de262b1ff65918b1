// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.timer;

/**
 * The host clock the platform timers count from: nanoseconds on a monotonic scale with an
 * arbitrary origin. The host's is {@link System#nanoTime()}, which HotSpot reads from Linux's
 * CLOCK_MONOTONIC: it does not step when the host's wall clock is set, and it keeps running while
 * the VMM is descheduled, so a guest timer derived from it neither jumps nor stalls relative to
 * the host. Tests drive a fake one by hand.
 */
@FunctionalInterface
public interface NanoClock {
    /** The host's monotonic clock. */
    NanoClock HOST = System::nanoTime;

    long nanoTime();
}
