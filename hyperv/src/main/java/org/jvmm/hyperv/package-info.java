// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Hyper-V enlightenments configured exactly as QEMU does, without KVM: the feature table
 * ({@link org.jvmm.hyperv.HvFeature}), the configuration ({@link org.jvmm.hyperv.HvConfig}),
 * what the host offers ({@link org.jvmm.hyperv.HostHvSupport}), validation and passthrough
 * ({@link org.jvmm.hyperv.HvValidator}, {@link org.jvmm.hyperv.HvPassthrough}) and the guest
 * CPUID leaves ({@link org.jvmm.hyperv.HvCpuid}, {@link org.jvmm.hyperv.KvmSignature}).
 *
 * <p>Typical use when setting up a vCPU:
 * <pre>{@code
 * HvConfig wanted = QemuHvFlags.parse("hv-relaxed,hv-vpindex,hv-synic").config();
 * HostHvSupport host = HostHvSupport.fromKvm(caps, msrIndexList, hvCpuid, true);
 * HvConfig effective = HvValidator.resolve(wanted, host);   // throws HvConfigException
 * List<CpuidLeaf> cpuid = HvCpuid.assemble(kvmSupportedCpuid, effective, host);
 * // KVM_ENABLE_CAP (SYNIC2, ENLIGHTENED_VMCS, ENFORCE_CPUID) per vCPU, then KVM_SET_CPUID2
 * }</pre>
 */
package org.jvmm.hyperv;
