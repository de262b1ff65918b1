// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.jvmm.hyperv.HvProto.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the host KVM offers for Hyper-V, in the form QEMU reasons about: a set of "host" Hyper-V
 * CPUID leaves. On kernels with KVM_CAP_HYPERV_CPUID those are the KVM_GET_SUPPORTED_HV_CPUID
 * entries; on older kernels QEMU synthesises leaves 0x40000003/0x40000004 from capabilities and
 * the MSR index list ({@code get_supported_hv_cpuid_legacy}), and so does {@link #legacy}.
 * A feature is supported when every one of its CPUID bits is present in these leaves.
 */
public final class HostHvSupport {

    /** Where the leaves came from. */
    public enum Source {
        /** KVM_CAP_HYPERV is 0 (e.g. a kernel without CONFIG_KVM_HYPERV): no Hyper-V at all. */
        NONE,
        /** KVM_GET_SUPPORTED_HV_CPUID (vCPU or system ioctl). */
        HV_CPUID,
        /** Synthesised from KVM_CHECK_EXTENSION results and KVM_GET_MSR_INDEX_LIST. */
        LEGACY
    }

    private final Source source;
    private final Map<Integer, CpuidLeaf> leaves;
    private final Set<Integer> caps;
    private final Set<Integer> msrs;

    private HostHvSupport(Source source, List<CpuidLeaf> leaves, Set<Integer> caps,
            Set<Integer> msrs) {
        this.source = source;
        Map<Integer, CpuidLeaf> m = new LinkedHashMap<>();
        for (CpuidLeaf l : leaves) {
            // QEMU's cpuid_find_entry takes the first match for (function, index 0).
            if (l.index() == 0) {
                m.putIfAbsent(l.function(), l);
            }
        }
        this.leaves = Collections.unmodifiableMap(m);
        this.caps = Collections.unmodifiableSet(new TreeSet<>(caps));
        this.msrs = Collections.unmodifiableSet(new TreeSet<>(msrs));
    }

    /**
     * Picks the source the way QEMU's {@code hv_cpuid_get_host} does: nothing without
     * KVM_CAP_HYPERV, the HV CPUID entries when KVM_CAP_HYPERV_CPUID is present, the legacy
     * synthesis otherwise.
     *
     * @param caps          capabilities whose KVM_CHECK_EXTENSION is positive
     * @param msrIndexList  KVM_GET_MSR_INDEX_LIST
     * @param hvCpuid       KVM_GET_SUPPORTED_HV_CPUID entries (ignored without the capability)
     * @param systemIoctl   whether {@code hvCpuid} came from /dev/kvm (KVM_CAP_SYS_HYPERV_CPUID)
     */
    public static HostHvSupport fromKvm(Set<Integer> caps, Set<Integer> msrIndexList,
            List<CpuidLeaf> hvCpuid, boolean systemIoctl) {
        if (!caps.contains(KVM_CAP_HYPERV)) {
            return none();
        }
        if (caps.contains(KVM_CAP_HYPERV_CPUID)) {
            return fromHvCpuid(hvCpuid, caps, systemIoctl);
        }
        return legacy(caps, msrIndexList);
    }

    /** A host without KVM_CAP_HYPERV: nothing is supported and Hyper-V stays off. */
    public static HostHvSupport none() {
        return new HostHvSupport(Source.NONE, List.of(), Set.of(), Set.of());
    }

    /**
     * From KVM_GET_SUPPORTED_HV_CPUID entries. {@code caps} are the capabilities whose
     * KVM_CHECK_EXTENSION is positive; without KVM_CAP_HYPERV the result is {@link #none()}.
     * The vCPU form of the ioctl hides the eVMCS bit until the cap is enabled, so (like QEMU)
     * 0x40000004.EAX bit 14 is added when KVM_CAP_HYPERV_ENLIGHTENED_VMCS is present.
     */
    public static HostHvSupport fromHvCpuid(List<CpuidLeaf> entries, Set<Integer> caps,
            boolean systemIoctl) {
        if (!caps.contains(KVM_CAP_HYPERV)) {
            return none();
        }
        List<CpuidLeaf> fixed = new ArrayList<>(entries.size());
        boolean evmcsQuirk = !systemIoctl && caps.contains(KVM_CAP_HYPERV_ENLIGHTENED_VMCS);
        for (CpuidLeaf l : entries) {
            if (evmcsQuirk && l.function() == CPUID_ENLIGHTMENT_INFO) {
                l = new CpuidLeaf(l.function(), l.index(), l.flags(),
                        l.eax() | ENLIGHTENED_VMCS_RECOMMENDED, l.ebx(), l.ecx(), l.edx());
            }
            fixed.add(l);
        }
        return new HostHvSupport(Source.HV_CPUID, fixed, caps, Set.of());
    }

    /**
     * For kernels without KVM_CAP_HYPERV_CPUID: the two leaves QEMU synthesises. The spinlock
     * field (0x40000004.EBX) is left 0 here; QEMU puts the configured value there, which
     * {@link HvPassthrough} reproduces by keeping the configured count.
     */
    public static HostHvSupport legacy(Set<Integer> caps, Set<Integer> msrIndexList) {
        if (!caps.contains(KVM_CAP_HYPERV)) {
            return none();
        }
        int fEax = HYPERCALL_AVAILABLE | APIC_ACCESS_AVAILABLE;
        int fEbx = 0;
        int fEdx = CPU_DYNAMIC_PARTITIONING_AVAILABLE;
        int rEax = RELAXED_TIMING_RECOMMENDED | APIC_ACCESS_RECOMMENDED;
        if (caps.contains(KVM_CAP_HYPERV_TIME)) {
            fEax |= TIME_REF_COUNT_AVAILABLE | REFERENCE_TSC_AVAILABLE;
        }
        if (msrIndexList.contains(MSR_TSC_FREQUENCY)) {
            fEax |= ACCESS_FREQUENCY_MSRS;
            fEdx |= FREQUENCY_MSRS_AVAILABLE;
        }
        if (msrIndexList.contains(MSR_CRASH_CTL)) {
            fEdx |= GUEST_CRASH_MSR_AVAILABLE;
        }
        if (msrIndexList.contains(MSR_REENLIGHTENMENT_CONTROL)) {
            fEax |= ACCESS_REENLIGHTENMENTS_CONTROL;
        }
        if (msrIndexList.contains(MSR_RESET)) {
            fEax |= RESET_AVAILABLE;
        }
        if (msrIndexList.contains(MSR_VP_INDEX)) {
            fEax |= VP_INDEX_AVAILABLE;
        }
        if (msrIndexList.contains(MSR_VP_RUNTIME)) {
            fEax |= VP_RUNTIME_AVAILABLE;
        }
        if (msrIndexList.contains(MSR_SCONTROL) && caps.contains(KVM_CAP_HYPERV_SYNIC2)) {
            fEax |= SYNIC_AVAILABLE;
        }
        if (msrIndexList.contains(MSR_STIMER0_CONFIG)) {
            fEax |= SYNTIMERS_AVAILABLE;
        }
        if (msrIndexList.contains(MSR_SYNDBG_OPTIONS)) {
            fEdx |= GUEST_DEBUGGING_AVAILABLE | FEATURE_DEBUG_MSRS_AVAILABLE;
            fEbx |= PARTITION_DEBUGGING_ALLOWED;
        }
        if (caps.contains(KVM_CAP_HYPERV_TLBFLUSH)) {
            rEax |= REMOTE_TLB_FLUSH_RECOMMENDED | EX_PROCESSOR_MASKS_RECOMMENDED;
        }
        if (caps.contains(KVM_CAP_HYPERV_ENLIGHTENED_VMCS)) {
            rEax |= ENLIGHTENED_VMCS_RECOMMENDED;
        }
        if (caps.contains(KVM_CAP_HYPERV_SEND_IPI)) {
            rEax |= CLUSTER_IPI_RECOMMENDED | EX_PROCESSOR_MASKS_RECOMMENDED;
        }
        List<CpuidLeaf> synth = List.of(
                CpuidLeaf.of(CPUID_FEATURES, fEax, fEbx, 0, fEdx),
                CpuidLeaf.of(CPUID_ENLIGHTMENT_INFO, rEax, 0, 0, 0));
        return new HostHvSupport(Source.LEGACY, synth, caps, msrIndexList);
    }

    public Source source() {
        return source;
    }

    /** KVM_CAP_HYPERV is present: QEMU's precondition for any Hyper-V CPUID. */
    public boolean hypervAvailable() {
        return source != Source.NONE;
    }

    public boolean hasCap(int cap) {
        return caps.contains(cap);
    }

    /** The host leaves (real or synthesised) in the order given. */
    public List<CpuidLeaf> leaves() {
        return List.copyOf(leaves.values());
    }

    /** QEMU's {@code hv_cpuid_get_host}: a missing leaf reads as 0. */
    public int get(int function, CpuidReg reg) {
        CpuidLeaf l = leaves.get(function);
        return l == null ? 0 : l.get(reg);
    }

    /** QEMU's {@code hyperv_feature_supported}: all of the feature's bits are in the host leaves. */
    public boolean supports(HvFeature f) {
        if (!hypervAvailable()) {
            return false;
        }
        for (HvFeature.CpuidBits b : f.bits()) {
            if ((get(b.function(), b.reg()) & b.mask()) != b.mask()) {
                return false;
            }
        }
        return true;
    }

    /** Why {@code f} is unsupported, or null if it is supported. */
    public String whyUnsupported(HvFeature f) {
        if (supports(f)) {
            return null;
        }
        if (!hypervAvailable()) {
            return "no Hyper-V in host KVM (KVM_CAP_HYPERV missing)";
        }
        if (source == Source.LEGACY) {
            if (f.legacyNeeds().isEmpty()) {
                return "only detectable through KVM_GET_SUPPORTED_HV_CPUID"
                        + " (KVM_CAP_HYPERV_CPUID missing)";
            }
            List<String> missing = new ArrayList<>();
            for (HvFeature.LegacyNeed n : f.legacyNeeds()) {
                if (n.isCap() && !caps.contains(n.number())) {
                    missing.add(n.name() + " missing");
                } else if (!n.isCap() && !msrs.contains(n.number())) {
                    missing.add("MSR " + n.name() + " (0x" + Integer.toHexString(n.number())
                            + ") not in KVM_GET_MSR_INDEX_LIST");
                }
            }
            return String.join(", ", missing);
        }
        List<String> missing = new ArrayList<>();
        for (HvFeature.CpuidBits b : f.bits()) {
            int absent = b.mask() & ~get(b.function(), b.reg());
            for (int bit = 0; bit < 32; bit++) {
                if ((absent & (1 << bit)) != 0) {
                    missing.add("0x" + Integer.toHexString(b.function()) + "." + b.reg()
                            + "[" + bit + "]");
                }
            }
        }
        return (missing.size() == 1 ? "bit " : "bits ") + String.join(", ", missing) + " absent";
    }
}
