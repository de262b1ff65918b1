// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.spi;

/**
 * MSRs {@code [first, first+count)} that must exit to userspace instead of being handled (or
 * refused) inside KVM. The machine turns the ranges of all extensions into one
 * KVM_X86_SET_MSR_FILTER with default-allow and these ranges denied for {@code read} and/or
 * {@code write}; KVM then reports the accesses as KVM_MSR_EXIT_REASON_FILTER.
 */
public record MsrFilterRange(int first, int count, boolean read, boolean write) {
    public MsrFilterRange {
        if (count <= 0 || count > 0x10000 || !(read || write)) {
            throw new IllegalArgumentException(
                    "bad MSR filter range 0x%x+%d (read %b, write %b)".formatted(first, count, read, write));
        }
    }
}
