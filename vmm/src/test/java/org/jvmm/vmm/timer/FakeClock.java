// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.timer;

/** A host clock the test moves by hand; it starts far from 0, as System.nanoTime may. */
final class FakeClock implements NanoClock {
    long now = 7_000_000_000_123L;

    @Override
    public long nanoTime() {
        return now;
    }

    void advance(long nanos) {
        now += nanos;
    }
}
