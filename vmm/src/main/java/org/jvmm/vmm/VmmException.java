// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm;

/**
 * Root of the few domain exceptions above the syscall layer. Each subclass carries the data a
 * user needs to act (an address, a file, a port), and its message is one line: the CLI prints
 * {@link #getMessage()} and nothing else.
 */
public class VmmException extends RuntimeException {
    public VmmException(String message) {
        super(message);
    }

    public VmmException(String message, Throwable cause) {
        super(message, cause);
    }
}
