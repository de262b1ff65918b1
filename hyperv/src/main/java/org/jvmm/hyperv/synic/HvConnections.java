// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import java.util.Objects;
import org.jvmm.vmm.VmmException;

/**
 * Guest-to-host connections by connection id, as QEMU's {@code hyperv_set_msg_handler} and
 * {@code hyperv_set_event_flag_handler} keep them: one message handler and one event handler per
 * id at most. Adding a taken id or removing an absent one is an error (QEMU's -EEXIST / -ENOENT).
 * Safe for concurrent use: vCPU threads look handlers up while devices add and remove them.
 */
public final class HvConnections {
    /** Connection ids are 24 bits (HV_CONNECTION_ID_MASK / KVM_HYPERV_CONN_ID_MASK). */
    public static final int CONNECTION_ID_MASK = 0x00FFFFFF;

    // Looked up on every PostMessage / SignalEvent exit: tables keyed by a plain int.
    private final ConnectionTable<HvMessageHandler> messages = new ConnectionTable<>();
    private final ConnectionTable<HvEventHandler> events = new ConnectionTable<>();

    public void addMessageHandler(int connectionId, HvMessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!messages.add(checkId(connectionId), handler)) {
            throw new VmmException("Hyper-V message connection " + connectionId + " already has a handler");
        }
    }

    public void removeMessageHandler(int connectionId) {
        if (!messages.remove(connectionId)) {
            throw new VmmException("Hyper-V message connection " + connectionId + " has no handler to remove");
        }
    }

    public void addEventHandler(int connectionId, HvEventHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!events.add(checkId(connectionId), handler)) {
            throw new VmmException("Hyper-V event connection " + connectionId + " already has a handler");
        }
    }

    public void removeEventHandler(int connectionId) {
        if (!events.remove(connectionId)) {
            throw new VmmException("Hyper-V event connection " + connectionId + " has no handler to remove");
        }
    }

    /** The handler for the low 24 bits of {@code connectionId}, or null. */
    HvMessageHandler messageHandler(int connectionId) {
        return messages.get(connectionId & CONNECTION_ID_MASK);
    }

    HvEventHandler eventHandler(int connectionId) {
        return events.get(connectionId & CONNECTION_ID_MASK);
    }

    private static int checkId(int connectionId) {
        if ((connectionId & ~CONNECTION_ID_MASK) != 0) {
            throw new VmmException("Hyper-V connection id 0x%x does not fit in 24 bits".formatted(connectionId));
        }
        return connectionId;
    }
}
