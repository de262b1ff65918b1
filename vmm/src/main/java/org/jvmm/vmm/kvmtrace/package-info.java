// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The kernel's side of the census: KVM's own trace points ({@code kvm:kvm_hv_*},
 * {@code kvm:kvm_msr}) counted inside the kernel by hist triggers in a tracefs instance of this
 * VM's own, for this VM's vCPU threads only, and read once when the VM ends. Nothing here adds an
 * exit: the kernel counts as it traces.
 */
package org.jvmm.vmm.kvmtrace;
