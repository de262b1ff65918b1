// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The userspace half of Hyper-V exits, equivalent to QEMU's {@code kvm_hv_handle_exit} and
 * hw/hyperv/hyperv.c: {@link org.jvmm.hyperv.synic.HvExitHandler} (SYNIC, HCALL and SYNDBG exits),
 * {@link org.jvmm.hyperv.synic.HvHypercalls} (PostMessage, SignalEvent with QEMU's status codes),
 * {@link org.jvmm.hyperv.synic.HvConnections} (handlers by connection id),
 * {@link org.jvmm.hyperv.synic.Synic} (per-vCPU message and event-flag pages) and
 * {@link org.jvmm.hyperv.synic.SintRoute} (raise a SINT, post with the EOM handshake).
 * Nothing here calls KVM, so all of it is tested on fabricated {@code kvm_hyperv_exit} segments;
 * every guest address is checked against guest RAM.
 */
package org.jvmm.hyperv.synic;
