// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.jvmm.hyperv.HvProto.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest's Hyper-V CPUID leaves, bit for bit as QEMU's {@code hyperv_fill_cpuids} (QEMU 7.1
 * and later; 7.2 and current QEMU agree). Older QEMU differs: before 7.1 only hv-evmcs raised the
 * maximum leaf to 0x4000000A and that leaf's EAX came from KVM, and the syndbg leaves did not
 * exist. Input is an already expanded configuration ({@link HvValidator#resolve}).
 */
public final class HvCpuid {
    private HvCpuid() {
    }

    /** "Microsoft VS", the synthetic debugger vendor at 0x40000080. */
    private static final String SYNDBG_VENDOR = "Microsoft VS";

    /**
     * Leaves 0x40000000..0x40000005; 0x40000006..0x4000000A when a nested feature (or eVMCS) is
     * on; 0x40000080..0x40000082 with hv-syndbg. Empty when Hyper-V is not enabled.
     */
    public static List<CpuidLeaf> build(HvConfig c, HostHvSupport host) {
        List<CpuidLeaf> out = new ArrayList<>();
        if (!c.hypervEnabled(host.hypervAvailable())) {
            return out;
        }
        int nestedEax = leafBits(c, CPUID_NESTED_FEATURES, CpuidReg.EAX);
        if (c.has(HvFeature.EVMCS)) {
            nestedEax |= DEFAULT_EVMCS_VERSION;
        }
        int maxLeaf = nestedEax != 0 ? CPUID_NESTED_FEATURES : CPUID_IMPLEMENT_LIMITS;
        if (c.has(HvFeature.SYNDBG)) {
            maxLeaf = Math.max(maxLeaf, CPUID_SYNDBG_PLATFORM_CAPABILITIES);
        }
        int[] vendor = words12(c.effectiveVendorId());
        out.add(CpuidLeaf.of(CPUID_VENDOR_AND_MAX_FUNCTIONS, maxLeaf, vendor[0], vendor[1],
                vendor[2]));

        HvConfig.Regs itf = c.interfaceId();
        out.add(CpuidLeaf.of(CPUID_INTERFACE, itf.eax(), itf.ebx(), itf.ecx(), itf.edx()));

        HvConfig.HvVersion v = c.version();
        out.add(CpuidLeaf.of(CPUID_VERSION, v.build(), (v.major() & 0xFFFF) << 16
                | (v.minor() & 0xFFFF), v.servicePack(),
                (v.serviceBranch() & 0xFF) << 24 | (v.serviceNumber() & 0xFFFFFF)));

        // HYPERCALL_AVAILABLE always: any enlightenment implies the hypercall page.
        int fEax = leafBits(c, CPUID_FEATURES, CpuidReg.EAX) | HYPERCALL_AVAILABLE;
        int fEbx = leafBits(c, CPUID_FEATURES, CpuidReg.EBX);
        if (c.has(HvFeature.SYNIC)) {
            // The SynIC and VMBus need the PostMessage / SignalEvent hypercalls.
            fEbx |= POST_MESSAGES | SIGNAL_EVENTS;
        }
        // KVM does not report it, but Windows needs it for CPU hotplug.
        int fEdx = leafBits(c, CPUID_FEATURES, CpuidReg.EDX) | CPU_DYNAMIC_PARTITIONING_AVAILABLE;
        out.add(CpuidLeaf.of(CPUID_FEATURES, fEax, fEbx, 0, fEdx));

        int rEax = leafBits(c, CPUID_ENLIGHTMENT_INFO, CpuidReg.EAX);
        if (c.has(HvFeature.VAPIC) && !c.has(HvFeature.AVIC)) {
            // With APICv/AVIC the guest should not use the MSR-based APIC access.
            rEax |= APIC_ACCESS_RECOMMENDED;
        }
        rEax |= switch (c.noNonarchCoresharing()) {
            case ON -> NO_NONARCH_CORESHARING;
            case AUTO -> host.get(CPUID_ENLIGHTMENT_INFO, CpuidReg.EAX) & NO_NONARCH_CORESHARING;
            case OFF -> 0;
        };
        out.add(CpuidLeaf.of(CPUID_ENLIGHTMENT_INFO, rEax, c.spinlocks(), 0, 0));

        HvConfig.Regs lim = c.limits();
        out.add(CpuidLeaf.of(CPUID_IMPLEMENT_LIMITS, lim.eax(), lim.ebx(), lim.ecx(), lim.edx()));

        if (nestedEax != 0) {
            for (int fn = CPUID_IMPLEMENT_LIMITS + 1; fn < CPUID_NESTED_FEATURES; fn++) {
                out.add(CpuidLeaf.of(fn, 0, 0, 0, 0));
            }
            out.add(CpuidLeaf.of(CPUID_NESTED_FEATURES, nestedEax, 0, 0, 0));
        }

        if (c.has(HvFeature.SYNDBG)) {
            // QEMU computes a max-leaf value for 0x40000080.EAX and then overwrites it with 0.
            int[] vs = words12(SYNDBG_VENDOR);
            out.add(CpuidLeaf.of(CPUID_SYNDBG_VENDOR_AND_MAX_FUNCTIONS, 0, vs[0], vs[1], vs[2]));
            out.add(CpuidLeaf.of(CPUID_SYNDBG_INTERFACE, INTERFACE_VS1, 0, 0, 0));
            out.add(CpuidLeaf.of(CPUID_SYNDBG_PLATFORM_CAPABILITIES,
                    SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING, 0, 0, 0));
        }
        return out;
    }

    /**
     * The whole hypervisor range for KVM_SET_CPUID2: {@code supported} (KVM_GET_SUPPORTED_CPUID
     * or the VMM's own standard leaves) with its 0x40000000..0x4FFFFFFF entries replaced by the
     * Hyper-V leaves followed by the KVM signature leaves at the base QEMU would use.
     */
    public static List<CpuidLeaf> assemble(List<CpuidLeaf> supported, HvConfig c,
            HostHvSupport host) {
        List<CpuidLeaf> out = new ArrayList<>(build(c, host));
        out.addAll(KvmSignature.place(supported, c.hypervEnabled(host.hypervAvailable()),
                c.exposeKvm()));
        for (CpuidLeaf l : supported) {
            if (Integer.compareUnsigned(l.function(), 0x40000000) < 0
                    || Integer.compareUnsigned(l.function(), 0x4FFFFFFF) > 0) {
                out.add(l);
            }
        }
        return out;
    }

    /** QEMU's {@code hv_build_cpuid_leaf}: OR of the table bits of enabled features. */
    static int leafBits(HvConfig c, int function, CpuidReg reg) {
        int r = 0;
        for (HvFeature f : c.features()) {
            for (HvFeature.CpuidBits b : f.bits()) {
                if (b.function() == function && b.reg() == reg) {
                    r |= b.mask();
                }
            }
        }
        return r;
    }

    /** A string's bytes (UTF-8, like C's strlen) cut to 12 and zero padded, as three LE words. */
    static int[] words12(String s) {
        byte[] src = s.getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[12];
        System.arraycopy(src, 0, buf, 0, Math.min(12, src.length));
        ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        return new int[] {bb.getInt(0), bb.getInt(4), bb.getInt(8)};
    }
}
