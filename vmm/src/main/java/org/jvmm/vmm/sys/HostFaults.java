// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.sys;

import java.util.Objects;

/**
 * The seam for fault injection on the host side: every KVM ioctl (through the kvm package's
 * single ioctl path), {@code open}, {@code mmap} and {@code memfd_create} of the core asks the
 * installed {@link Plan} first, and fails with the errno it names instead of calling the kernel.
 * Nothing is installed in production (one volatile read per call); tests install a plan to make
 * the Nth ioctl of VM construction fail, mmap fail with ENOMEM, open with EMFILE, and check that
 * the error is one clear line and nothing leaked. Process-wide: a test installs a plan only around
 * code that no other thread runs meanwhile.
 */
public final class HostFaults {
    /** The host calls a plan can fail. */
    public enum Call { IOCTL, OPEN, MMAP, MEMFD }

    /** Decides whether a call fails: a positive errno to fail it with, or 0 to let it run. */
    @FunctionalInterface
    public interface Plan {
        int errnoFor(Call call, String what);
    }

    private static volatile Plan plan;

    private HostFaults() {}

    /** Installs {@code p} until the returned handle is closed. */
    public static AutoCloseable install(Plan p) {
        Objects.requireNonNull(p);
        plan = p;
        return () -> plan = null;
    }

    /** The errno {@code call} on {@code what} must fail with, or 0. */
    public static int injected(Call call, String what) {
        Plan p = plan;
        return p == null ? 0 : p.errnoFor(call, what);
    }
}
