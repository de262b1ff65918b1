// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * An asynchronous QMP event before it is stamped and sent: its name and its {@code data}
 * member, which QEMU leaves out altogether for events without data ({@code POWERDOWN}).
 * Names and data follow QEMU 7.2's qapi/run-state.json and qapi/machine.json.
 */
public record QmpEvent(String name, Optional<ObjectNode> data) {
    /**
     * The VM is shutting down. {@code reason} is one of QEMU's ShutdownCause names:
     * {@code host-qmp-quit}, {@code host-signal}, {@code host-ui}, {@code host-error},
     * {@code guest-shutdown}, {@code guest-reset}, {@code guest-panic}.
     */
    public static QmpEvent shutdown(boolean guest, String reason) {
        ObjectNode data = QmpJson.object();
        data.put("guest", guest);
        data.put("reason", reason);
        return new QmpEvent("SHUTDOWN", Optional.of(data));
    }

    /** The guest was asked to power down (system_powerdown); it may or may not comply. */
    public static QmpEvent powerdown() {
        return new QmpEvent("POWERDOWN", Optional.empty());
    }

    /** The guest's memory changed size under the balloon; {@code actual} in bytes. */
    public static QmpEvent balloonChange(long actual) {
        ObjectNode data = QmpJson.object();
        data.put("actual", actual);
        return new QmpEvent("BALLOON_CHANGE", Optional.of(data));
    }

    /** Device {@code id} is gone (QEMU's DEVICE_DELETED, with its QOM path under /machine/peripheral). */
    public static QmpEvent deviceDeleted(String id) {
        ObjectNode data = QmpJson.object();
        data.put("device", id);
        data.put("path", "/machine/peripheral/" + id);
        return new QmpEvent("DEVICE_DELETED", Optional.of(data));
    }
}
