// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import org.jvmm.vmm.VmmException;

/** A QMP socket that cannot be listened on or connected to; one line, exit 1. */
public final class QmpSocketException extends VmmException {
    public QmpSocketException(String message) {
        super(message);
    }
}
