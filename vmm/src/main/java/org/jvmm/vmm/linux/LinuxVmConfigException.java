// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import org.jvmm.vmm.VmmException;

/** A Linux VM setting this host or jvmm cannot honour: memory size, vCPU count, missing file. */
public final class LinuxVmConfigException extends VmmException {
    public LinuxVmConfigException(String message) {
        super(message);
    }
}
