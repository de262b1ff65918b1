// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.jvmm.hyperv.HvProto.*;

import java.util.List;

/**
 * Places KVM's own paravirt leaves the way QEMU's {@code kvm_arch_init_vcpu} does: at 0x40000000
 * normally, at 0x40000100 (KVM_CPUID_SIGNATURE_NEXT) when Hyper-V owns 0x40000000, and nowhere
 * with {@code kvm=off} (libvirt {@code <kvm><hidden state='on'/>}). QEMU writes the signature
 * itself; only the feature bits (EAX) and hints (EDX) of leaf 0x40000001 come from KVM.
 */
public final class KvmSignature {
    private KvmSignature() {
    }

    /** "KVMKVMKVM\0\0\0" as the three little-endian words of EBX, ECX, EDX. */
    public static final int SIG_EBX = 0x4b4d564b;
    public static final int SIG_ECX = 0x564b4d56;
    public static final int SIG_EDX = 0x0000004d;

    /**
     * @param supported      KVM_GET_SUPPORTED_CPUID entries (only 0x40000001 is read)
     * @param hypervEnabled  whether Hyper-V leaves occupy 0x40000000
     * @param exposeKvm      false for {@code kvm=off}
     * @return zero or two leaves
     */
    public static List<CpuidLeaf> place(List<CpuidLeaf> supported, boolean hypervEnabled,
            boolean exposeKvm) {
        if (!exposeKvm) {
            return List.of();
        }
        int features = 0;
        int hints = 0;
        for (CpuidLeaf l : supported) {
            if (l.function() == KVM_CPUID_FEATURES && l.index() == 0) {
                features = l.eax();
                hints = l.edx();
                break;
            }
        }
        int base = hypervEnabled ? KVM_CPUID_SIGNATURE_NEXT : KVM_CPUID_SIGNATURE;
        return List.of(
                CpuidLeaf.of(base, base | 0x01, SIG_EBX, SIG_ECX, SIG_EDX),
                CpuidLeaf.of(base | 0x01, features, 0, 0, hints));
    }
}
