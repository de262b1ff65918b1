// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.jvmm.bindings.kvm.kvm_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jvmm.bindings.kvm.fam.CpuidBuffer;
import org.jvmm.bindings.kvm.kvm_cpuid_entry2;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.hyperv.CpuidLeaf;
import org.jvmm.hyperv.HostHvSupport;
import org.jvmm.hyperv.kvm.HostHvFacts.HvCpuidForm;
import org.jvmm.vmm.kvm.KvmException;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.kvm.Vm;

/**
 * Asks the host KVM what it offers for Hyper-V, the way QEMU does in {@code kvm_arch_init} and
 * {@code get_supported_hv_cpuid}: KVM_CHECK_EXTENSION of every Hyper-V capability,
 * KVM_GET_MSR_INDEX_LIST, and KVM_GET_SUPPORTED_HV_CPUID, on /dev/kvm when
 * KVM_CAP_SYS_HYPERV_CPUID is there, else on a throwaway VM and vCPU.
 *
 * <pre>{@code
 * try (Kvm kvm = Kvm.open()) {
 *     HostHvSupport host = HostHvProbe.probe(kvm);   // none() on a kernel without CONFIG_KVM_HYPERV
 * }
 * }</pre>
 */
public final class HostHvProbe {
    private HostHvProbe() {}

    /**
     * QEMU starts KVM_GET_SUPPORTED_HV_CPUID at 11 entries and grows by one on E2BIG (KVM does not
     * report the size it needs; a 6.x kernel fills 10). The bound keeps a broken kernel from
     * looping; it is KVM_MAX_CPUID_ENTRIES.
     */
    static final int HV_CPUID_FIRST_NENT = 11;
    private static final int E2BIG = 7;

    /** First and last MSR numbers kept from KVM_GET_MSR_INDEX_LIST: the Hyper-V synthetic block. */
    private static final int HV_MSR_FIRST = 0x40000000;
    private static final int HV_MSR_LAST = 0x400001FF;

    /** The capabilities reported, in number order (include/uapi/linux/kvm.h). */
    private static final Map<String, Integer> CAPS = capTable();

    /** The Hyper-V capabilities by their linux/kvm.h names, in number order (for reports). */
    public static Map<String, Integer> capabilityNumbers() {
        return java.util.Collections.unmodifiableMap(CAPS);
    }

    private static Map<String, Integer> capTable() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("KVM_CAP_HYPERV", KVM_CAP_HYPERV());
        m.put("KVM_CAP_HYPERV_VAPIC", KVM_CAP_HYPERV_VAPIC());
        m.put("KVM_CAP_HYPERV_SPIN", KVM_CAP_HYPERV_SPIN());
        m.put("KVM_CAP_HYPERV_TIME", KVM_CAP_HYPERV_TIME());
        m.put("KVM_CAP_HYPERV_SYNIC", KVM_CAP_HYPERV_SYNIC());
        m.put("KVM_CAP_HYPERV_SYNIC2", KVM_CAP_HYPERV_SYNIC2());
        m.put("KVM_CAP_HYPERV_VP_INDEX", KVM_CAP_HYPERV_VP_INDEX());
        m.put("KVM_CAP_HYPERV_EVENTFD", KVM_CAP_HYPERV_EVENTFD());
        m.put("KVM_CAP_HYPERV_TLBFLUSH", KVM_CAP_HYPERV_TLBFLUSH());
        m.put("KVM_CAP_HYPERV_SEND_IPI", KVM_CAP_HYPERV_SEND_IPI());
        m.put("KVM_CAP_HYPERV_ENLIGHTENED_VMCS", KVM_CAP_HYPERV_ENLIGHTENED_VMCS());
        m.put("KVM_CAP_HYPERV_CPUID", KVM_CAP_HYPERV_CPUID());
        m.put("KVM_CAP_HYPERV_DIRECT_TLBFLUSH", KVM_CAP_HYPERV_DIRECT_TLBFLUSH());
        m.put("KVM_CAP_SYS_HYPERV_CPUID", KVM_CAP_SYS_HYPERV_CPUID());
        m.put("KVM_CAP_HYPERV_ENFORCE_CPUID", KVM_CAP_HYPERV_ENFORCE_CPUID());
        return m;
    }

    /** What the host supports; {@link HostHvSupport#none()} without KVM_CAP_HYPERV. */
    public static HostHvSupport probe(Kvm kvm) {
        return probeFacts(kvm).support();
    }

    /** Everything the probe learnt, including the raw answers. */
    public static HostHvFacts probeFacts(Kvm kvm) {
        return probeFacts(kvm, true);
    }

    /** With {@code systemForm} false the vCPU form is used even where the system form exists (tests). */
    static HostHvFacts probeFacts(Kvm kvm, boolean systemForm) {
        Map<String, Integer> values = new LinkedHashMap<>();
        Set<Integer> present = new HashSet<>();
        CAPS.forEach((name, cap) -> {
            int v = kvm.checkExtension(cap);
            values.put(name, v);
            if (v > 0) {
                present.add(cap);
            }
        });
        Set<Integer> hvMsrs = new HashSet<>();
        for (int msr : kvm.msrIndexList()) {
            if (Integer.compareUnsigned(msr, HV_MSR_FIRST) >= 0 && Integer.compareUnsigned(msr, HV_MSR_LAST) <= 0) {
                hvMsrs.add(msr);
            }
        }
        if (!present.contains(KVM_CAP_HYPERV())) {
            return new HostHvFacts(values, HvCpuidForm.NOT_AVAILABLE, List.of(), hvMsrs, HostHvSupport.none());
        }
        HvCpuidForm form = HvCpuidForm.NOT_AVAILABLE;
        List<CpuidLeaf> leaves = List.of();
        if (present.contains(KVM_CAP_HYPERV_CPUID())) {
            if (systemForm && present.contains(KVM_CAP_SYS_HYPERV_CPUID())) {
                form = HvCpuidForm.SYSTEM;
                leaves = getSupportedHvCpuid(kvm.fd());
            } else {
                form = HvCpuidForm.VCPU;
                leaves = viaThrowawayVcpu(kvm);
            }
        }
        HostHvSupport support = HostHvSupport.fromKvm(present, hvMsrs, leaves, form == HvCpuidForm.SYSTEM);
        return new HostHvFacts(values, form, leaves, hvMsrs, support);
    }

    /**
     * The vCPU form on a VM of its own. The VM gets an in-kernel irqchip first, like the VMs jvmm
     * and QEMU run: KVM reports some bits (direct-mode stimers, cluster IPIs) only for a vCPU with
     * an in-kernel LAPIC.
     */
    private static List<CpuidLeaf> viaThrowawayVcpu(Kvm kvm) {
        try (Vm vm = kvm.createVm()) {
            if (vm.checkExtension(KVM_CAP_IRQCHIP()) > 0) {
                vm.createIrqchip();
            }
            try (Vcpu vcpu = vm.createVcpu(0)) {
                return getSupportedHvCpuid(vcpu.fd());
            }
        }
    }

    /**
     * KVM_GET_SUPPORTED_HV_CPUID on {@code fd} (system or vCPU), growing the buffer on E2BIG as
     * QEMU's {@code get_supported_hv_cpuid} does. Any other failure is a KvmException.
     */
    static List<CpuidLeaf> getSupportedHvCpuid(int fd) {
        long request = KVM_GET_SUPPORTED_HV_CPUID();
        for (int nent = HV_CPUID_FIRST_NENT; ; nent++) {
            try (Arena a = Arena.ofConfined()) {
                CpuidBuffer buf = CpuidBuffer.allocate(a, nent);
                int r = LibC.ioctlOrErrno(fd, request, buf.segment());
                if (r == -E2BIG && nent < CpuidBuffer.MAX_ENTRIES) {
                    continue;
                }
                if (r < 0) {
                    throw new KvmException("KVM_GET_SUPPORTED_HV_CPUID", request, -r, "nent " + nent);
                }
                return leaves(buf);
            }
        }
    }

    private static List<CpuidLeaf> leaves(CpuidBuffer buf) {
        int n = Math.min(buf.count(), buf.capacity());
        List<CpuidLeaf> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            MemorySegment e = buf.entry(i);
            out.add(new CpuidLeaf(kvm_cpuid_entry2.function(e), kvm_cpuid_entry2.index(e),
                    kvm_cpuid_entry2.flags(e), kvm_cpuid_entry2.eax(e), kvm_cpuid_entry2.ebx(e),
                    kvm_cpuid_entry2.ecx(e), kvm_cpuid_entry2.edx(e)));
        }
        return out;
    }
}
