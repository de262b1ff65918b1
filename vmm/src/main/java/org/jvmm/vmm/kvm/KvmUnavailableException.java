// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import org.jvmm.bindings.libc.Errno;
import org.jvmm.vmm.VmmException;

/** /dev/kvm cannot be opened or is not a usable KVM; the message says what to do. */
public final class KvmUnavailableException extends VmmException {
    public KvmUnavailableException(String message) {
        super(message);
    }

    static KvmUnavailableException fromOpen(String device, int errno) {
        String hint = switch (errno) {
            case 13, 1 -> ": add the user to the kvm group (then log in again) or run as root";
            case 2 -> ": the kvm module is not loaded, or this machine has no hardware virtualization";
            case 19, 6 -> ": KVM is not supported by this kernel or CPU";
            default -> "";
        };
        return new KvmUnavailableException("cannot open " + device + ": " + Errno.describe(errno) + hint);
    }
}
