// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

/** A bad option value or file found by the CLI itself; printed as one line. */
final class UserInputException extends RuntimeException {
    UserInputException(String message) {
        super(message);
    }
}
