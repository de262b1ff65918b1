// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

/**
 * Hyper-V protocol constants: CPUID leaves, their bits and the synthetic MSRs, grouped per leaf,
 * register and MSR block. Names follow the Hyper-V TLFS as spelled in QEMU's
 * {@code target/i386/kvm/hyperv-proto.h}; KVM capability numbers come from
 * {@code include/uapi/linux/kvm.h}. Constants only, no logic.
 */
public final class HvProto {
    private HvProto() {
    }

    // ---- CPUID leaves (TLFS "Hypervisor CPUID leaves") ----
    public static final int CPUID_VENDOR_AND_MAX_FUNCTIONS = 0x40000000;
    public static final int CPUID_INTERFACE = 0x40000001;
    public static final int CPUID_VERSION = 0x40000002;
    public static final int CPUID_FEATURES = 0x40000003;
    public static final int CPUID_ENLIGHTMENT_INFO = 0x40000004;
    public static final int CPUID_IMPLEMENT_LIMITS = 0x40000005;
    public static final int CPUID_NESTED_FEATURES = 0x4000000A;
    public static final int CPUID_SYNDBG_VENDOR_AND_MAX_FUNCTIONS = 0x40000080;
    public static final int CPUID_SYNDBG_INTERFACE = 0x40000081;
    public static final int CPUID_SYNDBG_PLATFORM_CAPABILITIES = 0x40000082;

    /** "Hv#1" in 0x40000001.EAX: KVM turns its Hyper-V emulation on only when it sees this. */
    public static final int INTERFACE_HV1 = 0x31237648;
    /** "VS#1" in 0x40000081.EAX, the synthetic debugger interface signature. */
    public static final int INTERFACE_VS1 = 0x31235356;
    /** 0x40000005.EBX: maximum logical processors QEMU reports. */
    public static final int IMPLEMENT_LIMITS_MAX_LPS = 64;

    // ---- 0x40000003.EAX: partition privileges (HV_CPUID_FEATURES.EAX) ----
    public static final int VP_RUNTIME_AVAILABLE = 1 << 0;
    public static final int TIME_REF_COUNT_AVAILABLE = 1 << 1;
    public static final int SYNIC_AVAILABLE = 1 << 2;
    public static final int SYNTIMERS_AVAILABLE = 1 << 3;
    public static final int APIC_ACCESS_AVAILABLE = 1 << 4;
    public static final int HYPERCALL_AVAILABLE = 1 << 5;
    public static final int VP_INDEX_AVAILABLE = 1 << 6;
    public static final int RESET_AVAILABLE = 1 << 7;
    public static final int REFERENCE_TSC_AVAILABLE = 1 << 9;
    public static final int ACCESS_FREQUENCY_MSRS = 1 << 11;
    public static final int ACCESS_REENLIGHTENMENTS_CONTROL = 1 << 13;

    // ---- 0x40000003.EBX ----
    public static final int POST_MESSAGES = 1 << 4;
    public static final int SIGNAL_EVENTS = 1 << 5;
    /** QEMU's value for the legacy syndbg synthesis (bit 12, as hyperv-proto.h has it). */
    public static final int PARTITION_DEBUGGING_ALLOWED = 1 << 12;

    // ---- 0x40000003.EDX ----
    public static final int GUEST_DEBUGGING_AVAILABLE = 1 << 1;
    public static final int CPU_DYNAMIC_PARTITIONING_AVAILABLE = 1 << 3;
    public static final int HYPERCALL_XMM_INPUT_AVAILABLE = 1 << 4;
    public static final int FREQUENCY_MSRS_AVAILABLE = 1 << 8;
    public static final int GUEST_CRASH_MSR_AVAILABLE = 1 << 10;
    public static final int FEATURE_DEBUG_MSRS_AVAILABLE = 1 << 11;
    public static final int EXT_GVA_RANGES_FLUSH_AVAILABLE = 1 << 14;
    public static final int STIMER_DIRECT_MODE_AVAILABLE = 1 << 19;

    // ---- 0x40000004.EAX: recommendations (HV_CPUID_ENLIGHTMENT_INFO.EAX) ----
    public static final int REMOTE_TLB_FLUSH_RECOMMENDED = 1 << 2;
    public static final int APIC_ACCESS_RECOMMENDED = 1 << 3;
    public static final int RELAXED_TIMING_RECOMMENDED = 1 << 5;
    public static final int DEPRECATING_AEOI_RECOMMENDED = 1 << 9;
    public static final int CLUSTER_IPI_RECOMMENDED = 1 << 10;
    public static final int EX_PROCESSOR_MASKS_RECOMMENDED = 1 << 11;
    public static final int ENLIGHTENED_VMCS_RECOMMENDED = 1 << 14;
    public static final int NO_NONARCH_CORESHARING = 1 << 18;

    // ---- 0x4000000A.EAX: nested features ----
    /** eVMCS version range 1..1 (low byte min, high byte max), QEMU's DEFAULT_EVMCS_VERSION. */
    public static final int DEFAULT_EVMCS_VERSION = (1 << 8) | 1;
    public static final int NESTED_DIRECT_FLUSH = 1 << 17;
    public static final int NESTED_MSR_BITMAP = 1 << 19;

    // ---- 0x40000082.EAX ----
    public static final int SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING = 1 << 1;

    /** 0x40000004.EBX value meaning "never notify on long spin waits". */
    public static final int SPINLOCK_NEVER_NOTIFY = 0xFFFFFFFF;

    // ---- Synthetic MSRs that KVM lists in KVM_GET_MSR_INDEX_LIST (legacy detection) ----
    public static final int MSR_VP_INDEX = 0x40000002;
    public static final int MSR_RESET = 0x40000003;
    public static final int MSR_VP_RUNTIME = 0x40000010;
    public static final int MSR_TSC_FREQUENCY = 0x40000022;
    public static final int MSR_SCONTROL = 0x40000080;
    public static final int MSR_STIMER0_CONFIG = 0x400000B0;
    public static final int MSR_SYNDBG_OPTIONS = 0x400000FF;
    public static final int MSR_CRASH_CTL = 0x40000105;
    public static final int MSR_REENLIGHTENMENT_CONTROL = 0x40000106;

    // ---- KVM capabilities (include/uapi/linux/kvm.h) ----
    public static final int KVM_CAP_HYPERV = 44;
    public static final int KVM_CAP_HYPERV_TIME = 96;
    public static final int KVM_CAP_HYPERV_SYNIC = 123;
    public static final int KVM_CAP_HYPERV_SYNIC2 = 148;
    public static final int KVM_CAP_HYPERV_VP_INDEX = 149;
    public static final int KVM_CAP_HYPERV_TLBFLUSH = 155;
    public static final int KVM_CAP_HYPERV_SEND_IPI = 161;
    public static final int KVM_CAP_HYPERV_ENLIGHTENED_VMCS = 163;
    public static final int KVM_CAP_HYPERV_CPUID = 167;
    public static final int KVM_CAP_SYS_HYPERV_CPUID = 191;
    public static final int KVM_CAP_HYPERV_ENFORCE_CPUID = 199;

    // ---- KVM's own paravirt signature (arch/x86/include/uapi/asm/kvm_para.h) ----
    public static final int KVM_CPUID_SIGNATURE = 0x40000000;
    public static final int KVM_CPUID_FEATURES = 0x40000001;
    /** Where QEMU moves KVM's leaves when Hyper-V owns 0x40000000 (KVM_CPUID_SIGNATURE_NEXT). */
    public static final int KVM_CPUID_SIGNATURE_NEXT = 0x40000100;
}
