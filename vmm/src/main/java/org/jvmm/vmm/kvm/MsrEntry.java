// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

/** A copy of {@code struct kvm_msr_entry}: MSR {@code index} and its 64-bit value. */
public record MsrEntry(int index, long data) {}
