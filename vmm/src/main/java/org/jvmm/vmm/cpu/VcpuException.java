// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import org.jvmm.vmm.VmmException;

/**
 * A vCPU cannot go on: an exit nobody handles, a malformed exit, or a failing KVM call inside the
 * loop. The message names the vCPU, the exit and the registers at the time, on one line.
 */
public final class VcpuException extends VmmException {
    private final int vcpu;

    public VcpuException(int vcpu, String message) {
        super("vcpu " + vcpu + ": " + message);
        this.vcpu = vcpu;
    }

    public VcpuException(int vcpu, String message, Throwable cause) {
        super("vcpu " + vcpu + ": " + message, cause);
        this.vcpu = vcpu;
    }

    public int vcpu() {
        return vcpu;
    }
}
