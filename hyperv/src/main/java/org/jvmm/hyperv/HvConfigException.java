// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import org.jvmm.vmm.VmmException;

/**
 * A Hyper-V configuration the user wrote is wrong: a bad flag or XML value, a missing dependency,
 * or an enlightenment the host kernel does not offer. The message names the culprit and is always
 * one line: control characters that came in with user values are shown escaped.
 */
public class HvConfigException extends VmmException {
    public HvConfigException(String message) {
        super(oneLine(message));
    }

    public HvConfigException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /**
     * {@code s} with control characters escaped ({@code \\n}, {@code \\x1b}), so a quoted value
     * can neither split a one-line error nor drive the terminal; the CLI's errors use it too.
     */
    public static String oneLine(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (Character.isISOControl(cp)) {
                        sb.append(String.format("\\x%02x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                }
            }
        });
        return sb.toString();
    }
}
