// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import org.jvmm.vmm.VmmException;

/** KVM's statistics could not be read or made no sense; the message says which and why. */
public final class KvmStatsException extends VmmException {
    public KvmStatsException(String message) {
        super(message);
    }

    public KvmStatsException(String message, Throwable cause) {
        super(message, cause);
    }
}
