// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.spi;

/**
 * What a handler answers to an MSR access that exited to userspace: the value read (ignored for
 * writes) and whether the access faults. {@code error} makes KVM inject #GP into the guest, which
 * is what real hardware does for an MSR it does not implement.
 */
public record MsrAnswer(long value, boolean error) {
    /** A write accepted, or a read returning zero. */
    public static final MsrAnswer OK = new MsrAnswer(0, false);
    /** The access faults with #GP. */
    public static final MsrAnswer FAULT = new MsrAnswer(0, true);

    public static MsrAnswer value(long value) {
        return value == 0 ? OK : new MsrAnswer(value, false);
    }
}
