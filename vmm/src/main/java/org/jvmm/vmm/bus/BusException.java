// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.bus;

import org.jvmm.vmm.VmmException;

/** A device registration the bus refuses, e.g. a range overlapping one already taken. */
public final class BusException extends VmmException {
    public BusException(String message) {
        super(message);
    }
}
