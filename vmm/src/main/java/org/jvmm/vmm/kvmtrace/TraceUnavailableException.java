// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvmtrace;

/** Why the kernel's trace points cannot be read here, in one line for the census report. */
public final class TraceUnavailableException extends Exception {
    public TraceUnavailableException(String why) {
        super(why);
    }
}
