// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import org.jvmm.vmm.VmmException;

/**
 * A Hyper-V configuration the user wrote is wrong: a bad flag or XML value, a missing dependency,
 * or an enlightenment the host kernel does not offer. The one-line message names the culprit.
 */
public class HvConfigException extends VmmException {
    public HvConfigException(String message) {
        super(message);
    }

    public HvConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
