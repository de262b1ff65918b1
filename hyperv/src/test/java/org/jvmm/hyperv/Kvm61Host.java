// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.jvmm.hyperv.HvProto.*;

import java.util.List;
import java.util.Set;

/**
 * A fabricated system-ioctl KVM_GET_SUPPORTED_HV_CPUID answer: the table in hyperv-facts.md §3.1
 * (a 6.x {@code kvm_get_hv_cpuid}) on an AMD host (no eVMCS, SMT possible), written as literals,
 * not computed from the code under test. Caveat: some bits in that table (0x40000003 EDX b14,
 * EBX b20, 0x4000000A EAX b17) arrived around Linux 6.1/6.2; a kernel without them would not
 * offer hv-tlbflush-ext / hv-tlbflush-direct.
 */
final class Kvm61Host {
    private Kvm61Host() {
    }

    static final List<CpuidLeaf> LEAVES = List.of(
            // max leaf 0x40000082, "Linux KVM Hv"
            CpuidLeaf.of(0x40000000, 0x40000082, 0x756E694C, 0x564B2078, 0x7648204D),
            CpuidLeaf.of(0x40000001, 0x31237648, 0, 0, 0),
            CpuidLeaf.of(0x40000002, 0x00003839, 0x000A0000, 0, 0),
            // EAX b0-7,9,11,13,15; EBX b4,5,11,20; EDX b1,4,8,10,11,14,19
            CpuidLeaf.of(0x40000003, 0x0000AAFF, 0x00100830, 0, 0x00084D12),
            // EAX b2,3,5,9,10,11; EBX 0xFFF spinlocks
            CpuidLeaf.of(0x40000004, 0x00000E2C, 0x00000FFF, 0, 0),
            // KVM_MAX_VCPUS 1024, 64 LPs
            CpuidLeaf.of(0x40000005, 0x00000400, 0x00000040, 0, 0),
            // b17 direct flush, b19 MSR bitmap, no eVMCS version on AMD; EBX b0 perf-global-ctrl
            CpuidLeaf.of(0x4000000A, 0x000A0000, 0x00000001, 0, 0),
            CpuidLeaf.of(0x40000080, 0, 0x756E694C, 0x564B2078, 0x7648204D),
            CpuidLeaf.of(0x40000081, 0x31235356, 0, 0, 0),
            CpuidLeaf.of(0x40000082, 0x00000002, 0, 0, 0));

    static final Set<Integer> CAPS = Set.of(KVM_CAP_HYPERV, KVM_CAP_HYPERV_TIME,
            KVM_CAP_HYPERV_SYNIC, KVM_CAP_HYPERV_SYNIC2, KVM_CAP_HYPERV_VP_INDEX,
            KVM_CAP_HYPERV_TLBFLUSH, KVM_CAP_HYPERV_SEND_IPI, KVM_CAP_HYPERV_CPUID,
            KVM_CAP_SYS_HYPERV_CPUID, KVM_CAP_HYPERV_ENFORCE_CPUID);

    static HostHvSupport host() {
        return HostHvSupport.fromHvCpuid(LEAVES, CAPS, true);
    }

    /** The same host with 0x40000004 EAX bit 18 (SMT impossible) set. */
    static HostHvSupport hostWithoutSmt() {
        List<CpuidLeaf> l = new java.util.ArrayList<>(LEAVES);
        l.set(4, CpuidLeaf.of(0x40000004, 0x00040E2C, 0x00000FFF, 0, 0));
        return HostHvSupport.fromHvCpuid(l, CAPS, true);
    }
}
