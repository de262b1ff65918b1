// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.timer;

import java.util.function.IntFunction;
import org.jvmm.vmm.bus.IrqLine;

/** Interrupt lines per GSI that count rising edges and remember the level, as a test's KVM. */
final class CountingLines implements IntFunction<IrqLine> {
    final int[] raised = new int[24];
    final boolean[] level = new boolean[24];

    @Override
    public IrqLine apply(int gsi) {
        return on -> {
            if (on && !level[gsi]) {
                raised[gsi]++;
            }
            level[gsi] = on;
        };
    }

    int total() {
        int sum = 0;
        for (int r : raised) {
            sum += r;
        }
        return sum;
    }
}
