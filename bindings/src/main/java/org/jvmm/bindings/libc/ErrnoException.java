// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.libc;

/**
 * A libc or kernel call failed with an errno.
 *
 * <p>Unchecked because almost every caller above the bindings either lets it propagate to a domain
 * exception or checks one specific errno ({@code EINTR}, {@code EAGAIN}); a checked exception
 * would force a catch at every ioctl. The message is one line and names the call, e.g.
 * {@code open(/dev/kvm) failed: EACCES (13) Permission denied}.
 */
public final class ErrnoException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * @param call  what was called, with the arguments a user needs, e.g. {@code "open(/dev/kvm)"}
     * @param errno the positive errno value
     */
    public ErrnoException(String call, int errno) {
        super(call + " failed: " + Errno.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    /** The failed call as given to the constructor, e.g. {@code "open(/dev/kvm)"}. */
    public String call() {
        return call;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    /** The errno symbol, e.g. {@code "ENOENT"}, or {@code "errno 999"} when Linux has no such number. */
    public String symbol() {
        Errno e = Errno.of(errno);
        return e == null ? "errno " + errno : e.name();
    }

    /** The table entry, or {@code null} for a number Linux does not define. */
    public Errno errnoEnum() {
        return Errno.of(errno);
    }
}
