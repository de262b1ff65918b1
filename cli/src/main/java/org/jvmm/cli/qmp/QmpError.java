// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

/**
 * A QMP error reply: one of QEMU's error classes (qapi/error.json: {@code GenericError},
 * {@code CommandNotFound}, {@code DeviceNotActive}, ...) and a one-line description. Thrown by
 * command handlers and {@link QmpTarget} methods; the session turns it into
 * {@code {"error": {"class": ..., "desc": ...}}} and the connection carries on.
 */
public final class QmpError extends RuntimeException {
    public static final String GENERIC = "GenericError";
    public static final String COMMAND_NOT_FOUND = "CommandNotFound";
    public static final String DEVICE_NOT_ACTIVE = "DeviceNotActive";
    public static final String DEVICE_NOT_FOUND = "DeviceNotFound";

    private final String errorClass;

    public QmpError(String errorClass, String desc) {
        super(desc, null, false, false); // an expected reply, not a failure: no stack trace
        this.errorClass = errorClass;
    }

    /** QEMU's answer for an id no device has (softmmu/qdev-monitor.c, find_device_state). */
    public static QmpError deviceNotFound(String id) {
        return new QmpError(DEVICE_NOT_FOUND, "Device '" + id + "' not found");
    }

    public static QmpError generic(String desc) {
        return new QmpError(GENERIC, desc);
    }

    public String errorClass() {
        return errorClass;
    }

    public String desc() {
        return getMessage();
    }
}
