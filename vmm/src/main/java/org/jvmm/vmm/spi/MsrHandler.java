// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.spi;

import org.jvmm.vmm.kvm.Vcpu;

/**
 * Answers guest RDMSR/WRMSR that KVM sends to userspace (KVM_EXIT_X86_RDMSR / _WRMSR) for the
 * range it was registered for. Called on the vCPU thread of {@code vcpu}; a handler keeping state
 * shared between vCPUs synchronizes it. Both values come from the guest.
 */
public interface MsrHandler {
    MsrAnswer read(Vcpu vcpu, int index);

    MsrAnswer write(Vcpu vcpu, int index, long value);
}
