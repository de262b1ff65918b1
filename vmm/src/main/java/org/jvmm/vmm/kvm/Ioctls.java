// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.vmm.sys.HostFaults;

/**
 * The one place the KVM wrappers issue ioctls: turns a failure into a {@link KvmException} with
 * the ioctl's name and the context the caller supplies (only built on failure). Also where fault
 * injection ({@link HostFaults}) fails an ioctl in tests.
 */
final class Ioctls {
    private Ioctls() {}

    static int call(int fd, String name, long request, MemorySegment arg, Supplier<String> context) {
        int injected = HostFaults.injected(HostFaults.Call.IOCTL, name);
        int r = injected != 0 ? -injected : LibC.ioctlOrErrno(fd, request, arg);
        if (r < 0) {
            throw new KvmException(name, request, -r, context == null ? "" : context.get());
        }
        return r;
    }

    static int call(int fd, String name, long request, long arg, Supplier<String> context) {
        int injected = HostFaults.injected(HostFaults.Call.IOCTL, name);
        int r = injected != 0 ? -injected : LibC.ioctlOrErrno(fd, request, arg);
        if (r < 0) {
            throw new KvmException(name, request, -r, context == null ? "" : context.get());
        }
        return r;
    }

    static int call(int fd, String name, long request) {
        return call(fd, name, request, 0L, null);
    }

    /** For the escape hatches: a request given only by number. */
    static String nameOf(long request) {
        return "ioctl 0x" + Long.toHexString(request);
    }
}
