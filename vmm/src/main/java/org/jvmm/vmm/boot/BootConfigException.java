// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import org.jvmm.vmm.VmmException;

/** A boot setting the kernel or the machine cannot take: command line, CPU count, memory map. */
public final class BootConfigException extends VmmException {
    public BootConfigException(String message) {
        super(message);
    }
}
