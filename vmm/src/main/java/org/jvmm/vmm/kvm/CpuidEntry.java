// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

/**
 * A copy of {@code struct kvm_cpuid_entry2}: what CPUID returns for leaf {@code function} and
 * sub-leaf {@code index}. {@code flags} holds KVM_CPUID_FLAG_SIGNIFCANT_INDEX (1) when the
 * sub-leaf matters.
 */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    public static final int FLAG_SIGNIFICANT_INDEX = 1;

    /** True if this entry answers CPUID({@code function}, {@code index}). */
    public boolean matches(int function, int index) {
        return this.function == function
                && ((flags & FLAG_SIGNIFICANT_INDEX) == 0 || this.index == index);
    }

    public CpuidEntry withRegisters(int eax, int ebx, int ecx, int edx) {
        return new CpuidEntry(function, index, flags, eax, ebx, ecx, edx);
    }
}
