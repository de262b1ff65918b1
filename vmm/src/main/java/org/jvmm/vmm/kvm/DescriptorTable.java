// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

/** A copy of {@code struct kvm_dtable}: the GDTR or IDTR (linear base and limit). */
public record DescriptorTable(long base, int limit) {}
