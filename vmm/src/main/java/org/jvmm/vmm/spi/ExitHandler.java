// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.spi;

import org.jvmm.vmm.exit.VcpuExit;
import org.jvmm.vmm.kvm.Vcpu;

/**
 * Claims exits the core does not handle itself: KVM_EXIT_HYPERV and any {@link VcpuExit.Unknown}.
 * Handlers are asked in registration order; the first that returns true owns the exit. An exit
 * nobody claims stops the VM with a VcpuException, so returning false is always safe.
 */
@FunctionalInterface
public interface ExitHandler {
    /** Handles {@code exit} on {@code vcpu}'s thread and returns true, or returns false: not mine. */
    boolean handle(Vcpu vcpu, VcpuExit exit);
}
