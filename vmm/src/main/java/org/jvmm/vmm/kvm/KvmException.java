// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import org.jvmm.bindings.libc.Errno;
import org.jvmm.vmm.VmmException;

/**
 * A KVM ioctl failed. Carries the ioctl's name and request number, the errno and the arguments
 * that matter, e.g. {@code KVM_SET_USER_MEMORY_REGION (0x4020ae46) failed: EINVAL (22) Invalid
 * argument [slot 0, gpa 0x0, size 0x10000000]}.
 */
public final class KvmException extends VmmException {
    private final String ioctl;
    private final long request;
    private final int errno;

    public KvmException(String ioctl, long request, int errno, String context) {
        super("%s (0x%x) failed: %s%s".formatted(ioctl, request, Errno.describe(errno),
                context == null || context.isEmpty() ? "" : " [" + context + "]"));
        this.ioctl = ioctl;
        this.request = request;
        this.errno = errno;
    }

    /** The ioctl's name, e.g. {@code KVM_RUN}. */
    public String ioctl() {
        return ioctl;
    }

    public long request() {
        return request;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    /** The errno symbol, e.g. {@code EINVAL}. */
    public String errnoSymbol() {
        Errno e = Errno.of(errno);
        return e == null ? "errno " + errno : e.name();
    }
}
