// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.jvmm.hyperv.HvProto.*;

import java.util.ArrayList;
import java.util.List;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.kvm.KvmException;
import org.jvmm.vmm.kvm.MsrEntry;

/**
 * Per-vCPU KVM set-up for Hyper-V in QEMU's order: {@link #beforeCpuid} is QEMU's
 * {@code hyperv_init_vcpu} (it runs before KVM_SET_CPUID2), {@link #afterCpuid} the Hyper-V part
 * of {@code kvm_put_msrs} at reset level. Only used when Hyper-V is enabled.
 */
final class HvVcpuInit {
    // Synthetic MSRs written at reset (TLFS; QEMU's hyperv-proto.h spelling).
    static final int MSR_GUEST_OS_ID = 0x40000000;
    static final int MSR_HYPERCALL = 0x40000001;
    static final int MSR_REFERENCE_TSC = 0x40000021;
    static final int MSR_VP_ASSIST_PAGE = 0x40000073;
    static final int MSR_SVERSION = 0x40000081;
    static final int MSR_SIEFP = 0x40000082;
    static final int MSR_SIMP = 0x40000083;
    static final int MSR_SINT0 = 0x40000090;
    static final int MSR_CRASH_P0 = 0x40000100;
    static final int MSR_TSC_EMULATION_CONTROL = 0x40000107;
    static final int MSR_TSC_EMULATION_STATUS = 0x40000108;
    /** HV_SYNIC_VERSION, what SVERSION reads. */
    static final long SYNIC_VERSION = 1;
    /** HV_SINT_MASKED: every SINT starts masked after reset (QEMU's kvm_arch_after_reset_vcpu). */
    static final long SINT_MASKED = 1L << 16;
    /** HV_CRASH_CTL_CRASH_NOTIFY: the capability the host advertises through CRASH_CTL. */
    static final long CRASH_CTL_NOTIFY = 1L << 63;

    private final HvConfig config;
    private final HostHvFacts host;

    HvVcpuInit(HvConfig config, HostHvFacts host) {
        this.config = config;
        this.host = host;
    }

    /** VP_INDEX check, SynIC, eVMCS and enforce-cpuid capabilities, in QEMU's order. */
    void beforeCpuid(HvVcpuPort vcpu) {
        int index = vcpu.index();
        if (config.has(HvFeature.VPINDEX) && host.cap("KVM_CAP_HYPERV_VP_INDEX") <= 0) {
            // Without a host-writable VP_INDEX, KVM's own value (creation order) must already match.
            List<MsrEntry> got = vcpu.getMsrs(MSR_VP_INDEX);
            long vp = got.isEmpty() ? -1 : got.get(0).data();
            if (vp != index) {
                throw new HvConfigException("Hyper-V: vcpu %d: kernel's vp_index %d differs from jvmm's %d"
                        .formatted(index, vp, index));
            }
        }
        if (config.has(HvFeature.SYNIC)) {
            // SYNIC2 leaves the SynIC pages alone; jvmm's SynIC model owns their contents, as QEMU's does.
            boolean v2 = host.cap("KVM_CAP_HYPERV_SYNIC2") > 0 || host.cap("KVM_CAP_HYPERV_SYNIC") <= 0;
            int cap = v2 ? KVM_CAP_HYPERV_SYNIC2 : KVM_CAP_HYPERV_SYNIC;
            try {
                vcpu.enableCap(cap, 0);
            } catch (KvmException e) {
                throw new HvConfigException("Hyper-V: vcpu %d: could not enable SynIC in KVM (%s): %s (%d)"
                        .formatted(index, v2 ? "KVM_CAP_HYPERV_SYNIC2" : "KVM_CAP_HYPERV_SYNIC",
                                e.errnoSymbol(), e.errno()), e);
            }
        }
        if (config.has(HvFeature.EVMCS)) {
            int range;
            try {
                range = vcpu.enableEnlightenedVmcs(KVM_CAP_HYPERV_ENLIGHTENED_VMCS);
            } catch (KvmException e) {
                throw new HvConfigException("Hyper-V " + HvFeature.EVMCS.desc()
                        + " is not supported by the host kernel: KVM_ENABLE_CAP failed with "
                        + e.errnoSymbol() + " (" + e.errno() + ")", e);
            }
            checkEvmcsRange(range);
        }
        if (config.enforceCpuid()) {
            try {
                vcpu.enableCap(KVM_CAP_HYPERV_ENFORCE_CPUID, 1);
            } catch (KvmException e) {
                throw new HvConfigException("Hyper-V: vcpu %d: could not enable KVM_CAP_HYPERV_ENFORCE_CPUID: %s (%d)"
                        .formatted(index, e.errnoSymbol(), e.errno()), e);
            }
        }
    }

    /** QEMU needs eVMCS version 1 inside KVM's [low byte .. high byte] range. */
    static void checkEvmcsRange(int range) {
        int min = range & 0xFF;
        int max = (range >>> 8) & 0xFF;
        int wantMin = DEFAULT_EVMCS_VERSION & 0xFF;
        int wantMax = (DEFAULT_EVMCS_VERSION >>> 8) & 0xFF;
        if (wantMin < min || wantMax > max) {
            throw new HvConfigException("Hyper-V %s: requested version range [%d..%d] is not supported by the kernel [%d..%d]"
                    .formatted(HvFeature.EVMCS.desc(), wantMin, wantMax, min, max));
        }
    }

    /** The reset-time MSR writes of QEMU's kvm_put_msrs, for vCPU {@code index}. */
    List<MsrEntry> resetMsrs(int index) {
        List<MsrEntry> m = new ArrayList<>();
        boolean first = index == 0; // partition-wide MSRs: only from the first CPU (hotplug must not clobber)
        if (first) {
            m.add(new MsrEntry(MSR_GUEST_OS_ID, 0));
            m.add(new MsrEntry(MSR_HYPERCALL, 0));
            if (config.has(HvFeature.TIME)) {
                m.add(new MsrEntry(MSR_REFERENCE_TSC, 0));
            }
            if (config.has(HvFeature.REENLIGHTENMENT)) {
                m.add(new MsrEntry(MSR_REENLIGHTENMENT_CONTROL, 0));
                m.add(new MsrEntry(MSR_TSC_EMULATION_CONTROL, 0));
                m.add(new MsrEntry(MSR_TSC_EMULATION_STATUS, 0));
            }
            if (config.has(HvFeature.SYNDBG) && host.listsMsr(MSR_SYNDBG_OPTIONS)) {
                m.add(new MsrEntry(MSR_SYNDBG_OPTIONS, 0)); // no debugger backend: no options
            }
        }
        if (config.has(HvFeature.VAPIC)) {
            m.add(new MsrEntry(MSR_VP_ASSIST_PAGE, 0));
        }
        if (host.listsMsr(MSR_CRASH_CTL)) {
            // QEMU ties this to KVM listing CRASH_CTL, not to hv-crash.
            for (int j = 0; j < 5; j++) {
                m.add(new MsrEntry(MSR_CRASH_P0 + j, 0));
            }
            m.add(new MsrEntry(MSR_CRASH_CTL, CRASH_CTL_NOTIFY));
        }
        if (host.listsMsr(MSR_VP_RUNTIME)) {
            m.add(new MsrEntry(MSR_VP_RUNTIME, 0));
        }
        if (config.has(HvFeature.VPINDEX) && host.cap("KVM_CAP_HYPERV_VP_INDEX") > 0) {
            m.add(new MsrEntry(MSR_VP_INDEX, index));
        }
        if (config.has(HvFeature.SYNIC)) {
            m.add(new MsrEntry(MSR_SCONTROL, 0));
            m.add(new MsrEntry(MSR_SVERSION, SYNIC_VERSION));
            m.add(new MsrEntry(MSR_SIEFP, 0));
            m.add(new MsrEntry(MSR_SIMP, 0));
            for (int s = 0; s < 16; s++) {
                m.add(new MsrEntry(MSR_SINT0 + s, SINT_MASKED));
            }
        }
        if (host.listsMsr(MSR_STIMER0_CONFIG)) {
            for (int t = 0; t < 4; t++) {
                m.add(new MsrEntry(MSR_STIMER0_CONFIG + 2 * t, 0));
            }
            for (int t = 0; t < 4; t++) {
                m.add(new MsrEntry(MSR_STIMER0_CONFIG + 2 * t + 1, 0)); // STIMERn_COUNT
            }
        }
        return m;
    }

    /** Writes {@link #resetMsrs} with one KVM_SET_MSRS. */
    void afterCpuid(HvVcpuPort vcpu) {
        List<MsrEntry> msrs = resetMsrs(vcpu.index());
        if (!msrs.isEmpty()) {
            try {
                vcpu.setMsrs(msrs);
            } catch (VmmException e) {
                // The core's message already names the vCPU and the refused MSR.
                throw new HvConfigException("Hyper-V reset MSRs: " + e.getMessage(), e);
            }
        }
    }
}
