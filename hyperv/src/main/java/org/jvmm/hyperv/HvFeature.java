// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.jvmm.hyperv.CpuidReg.EAX;
import static org.jvmm.hyperv.CpuidReg.EDX;
import static org.jvmm.hyperv.HvProto.*;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * QEMU's {@code kvm_hyperv_properties[]} as data. The declaration order is QEMU's
 * {@code HYPERV_FEAT_*} index (relaxed = 0 .. tlbflush-direct = 20): support and dependency
 * checks walk the table in this order and report the first failure, so the order is part of the
 * behaviour. Dependencies always point to earlier entries, and QEMU checks them lowest index first.
 */
public enum HvFeature {
    RELAXED("hv-relaxed", "relaxed", "relaxed timing (hv-relaxed)", false,
            List.of(bits(CPUID_ENLIGHTMENT_INFO, EAX, RELAXED_TIMING_RECOMMENDED)),
            List.of(LegacyNeed.cap(KVM_CAP_HYPERV, "KVM_CAP_HYPERV"))),
    VAPIC("hv-vapic", "vapic", "virtual APIC (hv-vapic)", false,
            List.of(bits(CPUID_FEATURES, EAX, APIC_ACCESS_AVAILABLE)),
            List.of(LegacyNeed.cap(KVM_CAP_HYPERV, "KVM_CAP_HYPERV"))),
    TIME("hv-time", null, "clocksources (hv-time)", false,
            List.of(bits(CPUID_FEATURES, EAX, TIME_REF_COUNT_AVAILABLE | REFERENCE_TSC_AVAILABLE)),
            List.of(LegacyNeed.cap(KVM_CAP_HYPERV_TIME, "KVM_CAP_HYPERV_TIME"))),
    CRASH("hv-crash", null, "crash MSRs (hv-crash)", false,
            List.of(bits(CPUID_FEATURES, EDX, GUEST_CRASH_MSR_AVAILABLE)),
            List.of(LegacyNeed.msr(MSR_CRASH_CTL, "HV_X64_MSR_CRASH_CTL"))),
    RESET("hv-reset", "reset", "reset MSR (hv-reset)", false,
            List.of(bits(CPUID_FEATURES, EAX, RESET_AVAILABLE)),
            List.of(LegacyNeed.msr(MSR_RESET, "HV_X64_MSR_RESET"))),
    VPINDEX("hv-vpindex", "vpindex", "VP_INDEX MSR (hv-vpindex)", false,
            List.of(bits(CPUID_FEATURES, EAX, VP_INDEX_AVAILABLE)),
            List.of(LegacyNeed.msr(MSR_VP_INDEX, "HV_X64_MSR_VP_INDEX"))),
    RUNTIME("hv-runtime", "runtime", "VP_RUNTIME MSR (hv-runtime)", false,
            List.of(bits(CPUID_FEATURES, EAX, VP_RUNTIME_AVAILABLE)),
            List.of(LegacyNeed.msr(MSR_VP_RUNTIME, "HV_X64_MSR_VP_RUNTIME"))),
    /** Also needs hv-vpindex, checked outside the table (see {@link HvValidator}). */
    SYNIC("hv-synic", "synic", "synthetic interrupt controller (hv-synic)", false,
            List.of(bits(CPUID_FEATURES, EAX, SYNIC_AVAILABLE)),
            List.of(LegacyNeed.msr(MSR_SCONTROL, "HV_X64_MSR_SCONTROL"),
                    LegacyNeed.cap(KVM_CAP_HYPERV_SYNIC2, "KVM_CAP_HYPERV_SYNIC2"))),
    STIMER("hv-stimer", "stimer", "synthetic timers (hv-stimer)", false,
            List.of(bits(CPUID_FEATURES, EAX, SYNTIMERS_AVAILABLE)),
            List.of(LegacyNeed.msr(MSR_STIMER0_CONFIG, "HV_X64_MSR_STIMER0_CONFIG")),
            SYNIC, TIME),
    FREQUENCIES("hv-frequencies", "frequencies", "frequency MSRs (hv-frequencies)", false,
            List.of(bits(CPUID_FEATURES, EAX, ACCESS_FREQUENCY_MSRS),
                    bits(CPUID_FEATURES, EDX, FREQUENCY_MSRS_AVAILABLE)),
            List.of(LegacyNeed.msr(MSR_TSC_FREQUENCY, "HV_X64_MSR_TSC_FREQUENCY"))),
    REENLIGHTENMENT("hv-reenlightenment", "reenlightenment",
            "reenlightenment MSRs (hv-reenlightenment)", false,
            List.of(bits(CPUID_FEATURES, EAX, ACCESS_REENLIGHTENMENTS_CONTROL)),
            List.of(LegacyNeed.msr(MSR_REENLIGHTENMENT_CONTROL,
                    "HV_X64_MSR_REENLIGHTENMENT_CONTROL"))),
    TLBFLUSH("hv-tlbflush", "tlbflush", "paravirtualized TLB flush (hv-tlbflush)", false,
            List.of(bits(CPUID_ENLIGHTMENT_INFO, EAX,
                    REMOTE_TLB_FLUSH_RECOMMENDED | EX_PROCESSOR_MASKS_RECOMMENDED)),
            List.of(LegacyNeed.cap(KVM_CAP_HYPERV_TLBFLUSH, "KVM_CAP_HYPERV_TLBFLUSH")),
            VPINDEX),
    /** Also puts the eVMCS version range 0x0101 into 0x4000000A.EAX (see {@link HvCpuid}). */
    EVMCS("hv-evmcs", "evmcs", "enlightened VMCS (hv-evmcs)", false,
            List.of(bits(CPUID_ENLIGHTMENT_INFO, EAX, ENLIGHTENED_VMCS_RECOMMENDED)),
            List.of(LegacyNeed.cap(KVM_CAP_HYPERV_ENLIGHTENED_VMCS,
                    "KVM_CAP_HYPERV_ENLIGHTENED_VMCS")),
            VAPIC),
    IPI("hv-ipi", "ipi", "paravirtualized IPI (hv-ipi)", false,
            List.of(bits(CPUID_ENLIGHTMENT_INFO, EAX,
                    CLUSTER_IPI_RECOMMENDED | EX_PROCESSOR_MASKS_RECOMMENDED)),
            List.of(LegacyNeed.cap(KVM_CAP_HYPERV_SEND_IPI, "KVM_CAP_HYPERV_SEND_IPI")),
            VPINDEX),
    STIMER_DIRECT("hv-stimer-direct", null, "direct mode synthetic timers (hv-stimer-direct)",
            false, List.of(bits(CPUID_FEATURES, EDX, STIMER_DIRECT_MODE_AVAILABLE)),
            List.of(), STIMER),
    AVIC("hv-avic", "avic", "AVIC/APICv support (hv-avic/hv-apicv)", false,
            List.of(bits(CPUID_ENLIGHTMENT_INFO, EAX, DEPRECATING_AEOI_RECOMMENDED)),
            List.of()),
    /** The only entry passthrough leaves alone: it must be asked for explicitly. */
    SYNDBG("hv-syndbg", null, "Enable synthetic kernel debugger channel (hv-syndbg)", true,
            List.of(bits(CPUID_FEATURES, EDX, FEATURE_DEBUG_MSRS_AVAILABLE)),
            List.of(LegacyNeed.msr(MSR_SYNDBG_OPTIONS, "HV_X64_MSR_SYNDBG_OPTIONS")),
            SYNIC, RELAXED),
    EMSR_BITMAP("hv-emsr-bitmap", "emsr_bitmap", "enlightened MSR-Bitmap (hv-emsr-bitmap)", false,
            List.of(bits(CPUID_NESTED_FEATURES, EAX, NESTED_MSR_BITMAP)),
            List.of()),
    XMM_INPUT("hv-xmm-input", "xmm_input", "XMM fast hypercall input (hv-xmm-input)", false,
            List.of(bits(CPUID_FEATURES, EDX, HYPERCALL_XMM_INPUT_AVAILABLE)),
            List.of()),
    TLBFLUSH_EXT("hv-tlbflush-ext", null,
            "Extended gva ranges for TLB flush hypercalls (hv-tlbflush-ext)", false,
            List.of(bits(CPUID_FEATURES, EDX, EXT_GVA_RANGES_FLUSH_AVAILABLE)),
            List.of(), TLBFLUSH),
    TLBFLUSH_DIRECT("hv-tlbflush-direct", null, "direct TLB flush (hv-tlbflush-direct)", false,
            List.of(bits(CPUID_NESTED_FEATURES, EAX, NESTED_DIRECT_FLUSH)),
            List.of(), VAPIC);

    /** One group of CPUID bits a feature sets in the guest and needs from the host. */
    public record CpuidBits(int function, CpuidReg reg, int mask) {
    }

    /** What the legacy (pre KVM_CAP_HYPERV_CPUID) detection needs: a capability or an MSR. */
    public record LegacyNeed(boolean isCap, int number, String name) {
        static LegacyNeed cap(int number, String name) {
            return new LegacyNeed(true, number, name);
        }

        static LegacyNeed msr(int index, String name) {
            return new LegacyNeed(false, index, name);
        }
    }

    private final String qemuName;
    private final String libvirtName;
    private final String desc;
    private final boolean skipPassthrough;
    private final List<CpuidBits> bits;
    private final List<LegacyNeed> legacyNeeds;
    private final List<HvFeature> dependencies;

    HvFeature(String qemuName, String libvirtName, String desc, boolean skipPassthrough,
            List<CpuidBits> bits, List<LegacyNeed> legacyNeeds, HvFeature... dependencies) {
        this.qemuName = qemuName;
        this.libvirtName = libvirtName;
        this.desc = desc;
        this.skipPassthrough = skipPassthrough;
        this.bits = bits;
        this.legacyNeeds = legacyNeeds;
        // EnumSet cannot be used while the enum is still initialising; a sorted list does.
        this.dependencies = Arrays.stream(dependencies)
                .sorted(Comparator.comparingInt(HvFeature::ordinal)).toList();
    }

    private static CpuidBits bits(int function, CpuidReg reg, int mask) {
        return new CpuidBits(function, reg, mask);
    }

    /** The QEMU {@code -cpu} property name, e.g. {@code hv-relaxed}. */
    public String qemuName() {
        return qemuName;
    }

    /** The libvirt {@code <hyperv>} child element name, if libvirt has one. */
    public Optional<String> libvirtName() {
        return Optional.ofNullable(libvirtName);
    }

    /** The label QEMU prints in its error messages. */
    public String desc() {
        return desc;
    }

    public boolean skipPassthrough() {
        return skipPassthrough;
    }

    public List<CpuidBits> bits() {
        return bits;
    }

    /** Empty for features QEMU only detects through KVM_GET_SUPPORTED_HV_CPUID. */
    public List<LegacyNeed> legacyNeeds() {
        return legacyNeeds;
    }

    /** In table order, which is the order QEMU checks them in (lowest index first). */
    public List<HvFeature> dependencies() {
        return dependencies;
    }

    /** Looks a feature up by QEMU name, accepting underscores and the hv-apicv alias. */
    public static Optional<HvFeature> byQemuName(String name) {
        String n = name.replace('_', '-');
        if (n.equals("hv-apicv")) {
            return Optional.of(AVIC);
        }
        for (HvFeature f : values()) {
            if (f.qemuName.equals(n)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    public static Optional<HvFeature> byLibvirtName(String name) {
        for (HvFeature f : values()) {
            if (name.equals(f.libvirtName)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
