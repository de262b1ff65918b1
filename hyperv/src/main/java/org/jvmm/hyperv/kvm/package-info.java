// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Hyper-V wired into KVM through the core's extension hooks: {@link org.jvmm.hyperv.kvm.HostHvProbe}
 * asks the host what it offers, {@link org.jvmm.hyperv.kvm.HypervExtension} applies an
 * {@link org.jvmm.hyperv.HvConfig} to every vCPU in QEMU's order (capabilities, CPUID, reset
 * MSRs) and handles KVM_EXIT_HYPERV, {@link org.jvmm.hyperv.kvm.KvmSintRoutes} binds SINTs to
 * GSIs and eventfds, and {@link org.jvmm.hyperv.kvm.HvTestDevice} lets a test guest drive it all.
 *
 * <pre>{@code
 * HvConfig wanted = QemuHvFlags.parse("hv-relaxed,hv-vpindex,hv-synic").config();
 * HypervExtension hv;
 * try (Kvm kvm = Kvm.open()) {
 *     hv = HypervExtension.create(wanted, kvm);          // HvConfigException: one line
 * }
 * hv.connections().addMessageHandler(1, msg -> HvStatus.SUCCESS);
 * try (Machine m = Machine.builder().vcpus(2).extension(hv).build()) { ... }
 * }</pre>
 */
package org.jvmm.hyperv.kvm;
