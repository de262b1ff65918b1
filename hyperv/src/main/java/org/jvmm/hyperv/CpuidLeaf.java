// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import java.util.HexFormat;

/**
 * One CPUID entry in {@code struct kvm_cpuid_entry2} terms: the function (leaf), the sub-leaf
 * index, the KVM flags and the four output registers. Registers hold the raw 32-bit patterns.
 */
public record CpuidLeaf(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {

    /** A leaf without sub-leaf and flags, as all Hyper-V and KVM signature leaves are. */
    public static CpuidLeaf of(int function, int eax, int ebx, int ecx, int edx) {
        return new CpuidLeaf(function, 0, 0, eax, ebx, ecx, edx);
    }

    public int get(CpuidReg reg) {
        return switch (reg) {
            case EAX -> eax;
            case EBX -> ebx;
            case ECX -> ecx;
            case EDX -> edx;
        };
    }

    public CpuidLeaf withFunction(int newFunction) {
        return new CpuidLeaf(newFunction, index, flags, eax, ebx, ecx, edx);
    }

    @Override
    public String toString() {
        HexFormat h = HexFormat.of();
        return "0x" + h.toHexDigits(function) + "[" + index + "]: eax=0x" + h.toHexDigits(eax)
                + " ebx=0x" + h.toHexDigits(ebx) + " ecx=0x" + h.toHexDigits(ecx)
                + " edx=0x" + h.toHexDigits(edx);
    }
}
