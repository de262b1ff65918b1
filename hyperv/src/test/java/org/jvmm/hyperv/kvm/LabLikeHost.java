// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jvmm.hyperv.CpuidLeaf;
import org.jvmm.hyperv.HostHvSupport;

/**
 * Fabricated probe results of a 6.x kvm-amd host (the Hyper-V lab's kind): the HV CPUID table of
 * hyperv-facts.md §3.1 as literals, the Hyper-V caps, and the MSR list KVM reports there.
 */
final class LabLikeHost {
    private LabLikeHost() {}

    static final List<CpuidLeaf> LEAVES = List.of(
            CpuidLeaf.of(0x40000000, 0x40000082, 0x756E694C, 0x564B2078, 0x7648204D),
            CpuidLeaf.of(0x40000001, 0x31237648, 0, 0, 0),
            CpuidLeaf.of(0x40000002, 0x00003839, 0x000A0000, 0, 0),
            CpuidLeaf.of(0x40000003, 0x0000AAFF, 0x00100830, 0, 0x00084D12),
            CpuidLeaf.of(0x40000004, 0x00000E2C, 0x00000FFF, 0, 0),
            CpuidLeaf.of(0x40000005, 0x00000400, 0x00000040, 0, 0),
            CpuidLeaf.of(0x4000000A, 0x000A0000, 0x00000001, 0, 0),
            CpuidLeaf.of(0x40000080, 0, 0x756E694C, 0x564B2078, 0x7648204D),
            CpuidLeaf.of(0x40000081, 0x31235356, 0, 0, 0),
            CpuidLeaf.of(0x40000082, 0x00000002, 0, 0, 0));

    static final Set<Integer> MSRS = Set.of(0x40000000, 0x40000001, 0x40000002, 0x40000003, 0x40000010,
            0x40000020, 0x40000021, 0x40000022, 0x40000073, 0x40000080, 0x400000B0, 0x400000FF,
            0x40000100, 0x40000105, 0x40000106);

    static HostHvFacts facts() {
        return facts(true);
    }

    /** With or without KVM_CAP_HYPERV_VP_INDEX (a host-writable VP_INDEX). */
    static HostHvFacts facts(boolean vpIndexSettable) {
        Map<String, Integer> caps = new LinkedHashMap<>();
        caps.put("KVM_CAP_HYPERV", 1);
        caps.put("KVM_CAP_HYPERV_TIME", 1);
        caps.put("KVM_CAP_HYPERV_SYNIC", 1);
        caps.put("KVM_CAP_HYPERV_SYNIC2", 1);
        caps.put("KVM_CAP_HYPERV_VP_INDEX", vpIndexSettable ? 1 : 0);
        caps.put("KVM_CAP_HYPERV_CPUID", 1);
        caps.put("KVM_CAP_SYS_HYPERV_CPUID", 1);
        caps.put("KVM_CAP_HYPERV_ENFORCE_CPUID", 1);
        Set<Integer> numbers = new TreeSet<>(List.of(44, 96, 123, 148, 167, 191, 199));
        if (vpIndexSettable) {
            numbers.add(149);
        }
        HostHvSupport support = HostHvSupport.fromHvCpuid(LEAVES, numbers, true);
        return new HostHvFacts(caps, HostHvFacts.HvCpuidForm.SYSTEM, LEAVES, MSRS, support);
    }
}
