// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import java.util.List;
import java.util.Objects;
import org.jvmm.vmm.bus.Bus;
import org.jvmm.vmm.spi.ExitHandler;

/**
 * Where a vCPU loop sends what it does not decide itself: port I/O, MMIO, MSRs, and the exits
 * extensions claim. One instance is shared by all vCPUs of a machine; all parts are safe for
 * concurrent use.
 */
public record ExitRouting(Bus pio, Bus mmio, MsrRegistry msrs, List<ExitHandler> exitHandlers) {
    public ExitRouting {
        Objects.requireNonNull(pio);
        Objects.requireNonNull(mmio);
        Objects.requireNonNull(msrs);
        exitHandlers = List.copyOf(exitHandlers);
    }
}
