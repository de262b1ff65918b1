// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import org.jvmm.vmm.VmmException;

/** Options of {@code jvmm run} that contradict each other or miss something; one line. */
final class RunInputException extends VmmException {
    RunInputException(String message) {
        super(message);
    }
}
