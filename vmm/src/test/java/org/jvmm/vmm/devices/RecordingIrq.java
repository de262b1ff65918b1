// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import java.util.ArrayList;
import java.util.List;
import org.jvmm.vmm.bus.IrqLine;

/** An IrqLine that remembers every level it was set to; tests clear {@link #levels} at will. */
final class RecordingIrq implements IrqLine {
    final List<Boolean> levels = new ArrayList<>();
    private boolean current;

    @Override
    public void set(boolean level) {
        levels.add(level);
        current = level;
    }

    boolean level() {
        return current;
    }
}
