// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jvmm.hyperv.CpuidLeaf;
import org.jvmm.hyperv.HostHvSupport;

/**
 * The raw answers {@link HostHvProbe} collected, for {@code jvmm probe} and for the extension's
 * per-vCPU decisions (which MSRs KVM lists decides e.g. whether CRASH_CTL is written).
 *
 * @param caps        KVM_CHECK_EXTENSION value of every Hyper-V-relevant capability, by name
 *                    (e.g. "KVM_CAP_HYPERV_SYNIC2" -> 1), in capability-number order
 * @param hvCpuidForm which form of KVM_GET_SUPPORTED_HV_CPUID answered
 * @param hvCpuid     its entries as KVM returned them (before the eVMCS quirk), empty if not asked
 * @param hvMsrs      the synthetic MSRs (0x40000000..0x400001FF) in KVM_GET_MSR_INDEX_LIST
 * @param support     what the rest of jvmm reasons with (QEMU's host leaves)
 */
public record HostHvFacts(Map<String, Integer> caps, HvCpuidForm hvCpuidForm, List<CpuidLeaf> hvCpuid,
        Set<Integer> hvMsrs, HostHvSupport support) {

    /** How KVM_GET_SUPPORTED_HV_CPUID was issued, if at all. */
    public enum HvCpuidForm {
        /** KVM_CAP_HYPERV_CPUID is 0: not issued (or KVM_CAP_HYPERV itself is 0). */
        NOT_AVAILABLE,
        /** On /dev/kvm (KVM_CAP_SYS_HYPERV_CPUID > 0), as QEMU prefers. */
        SYSTEM,
        /** On a throwaway vCPU, for kernels with only KVM_CAP_HYPERV_CPUID. */
        VCPU
    }

    public HostHvFacts {
        caps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(caps));
        hvCpuid = List.copyOf(hvCpuid);
        hvMsrs = Set.copyOf(new java.util.TreeSet<>(hvMsrs));
    }

    /** The capability's value, 0 when absent or not probed. */
    public int cap(String name) {
        return caps.getOrDefault(name, 0);
    }

    /** KVM lists MSR {@code index} in KVM_GET_MSR_INDEX_LIST. */
    public boolean listsMsr(int index) {
        return hvMsrs.contains(index);
    }

    /** Multi-line text for {@code jvmm probe}: caps, the ioctl form, the raw leaves, the MSRs. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        caps.forEach((k, v) -> sb.append(String.format("  %-34s %d%n", k, v)));
        sb.append("  KVM_GET_SUPPORTED_HV_CPUID: ").append(hvCpuidForm).append('\n');
        hvCpuid.forEach(l -> sb.append("    ").append(l).append('\n'));
        sb.append("  Hyper-V MSRs in KVM_GET_MSR_INDEX_LIST:");
        if (hvMsrs.isEmpty()) {
            sb.append(" none");
        }
        new java.util.TreeSet<>(hvMsrs).forEach(m -> sb.append(" 0x").append(Integer.toHexString(m)));
        return sb.append('\n').toString();
    }
}
