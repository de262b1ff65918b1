// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import org.jvmm.vmm.memory.GuestMemory;

/**
 * The hypercalls KVM leaves to userspace, with QEMU's checks in QEMU's order
 * ({@code hyperv_hcall_post_message}, {@code hyperv_hcall_signal_event} in hw/hyperv/hyperv.c).
 * Every guest address is checked against guest RAM before use.
 */
public final class HvHypercalls {
    /** Bits 32..47 of the SignalEvent parameter: the flag number, which must be 0. */
    static final long EVENT_FLAG_NUMBER_MASK = 0xFFFFL << 32;

    private final GuestMemory memory;
    private final HvConnections connections;

    public HvHypercalls(GuestMemory memory, HvConnections connections) {
        this.memory = memory;
        this.connections = connections;
    }

    /** HvPostMessage (0x5C) from VP {@code vpIndex} with input at guest-physical {@code gpa}. */
    public int postMessage(int vpIndex, long gpa, boolean fast) {
        if (fast) {
            return HvStatus.INVALID_HYPERCALL_CODE; // QEMU's choice for a register-based PostMessage
        }
        if ((gpa & 3) != 0) {
            return HvStatus.INVALID_ALIGNMENT; // the input's widest member is a u32
        }
        if (!memory.isRam(gpa, PostedMessage.INPUT_SIZE)) {
            return HvStatus.INSUFFICIENT_MEMORY; // QEMU could not map the 256 bytes
        }
        int connectionId = memory.readInt(gpa);
        int messageType = memory.readInt(gpa + 8);
        int payloadSize = memory.readInt(gpa + 12);
        if (Integer.compareUnsigned(payloadSize, PostedMessage.MAX_PAYLOAD) > 0) {
            return HvStatus.INVALID_HYPERCALL_INPUT;
        }
        HvMessageHandler h = connections.messageHandler(connectionId);
        if (h == null) {
            return HvStatus.INVALID_CONNECTION_ID;
        }
        byte[] payload = memory.read(gpa + 16, payloadSize);
        return h.handle(new PostedMessage(vpIndex, connectionId, messageType, payload)) & 0xFFFF;
    }

    /**
     * HvSignalEvent (0x5D): the connection value is {@code param} itself when fast, else the 8
     * bytes at guest-physical {@code param}. An address outside RAM reads as 0, as an unassigned
     * address does in QEMU.
     */
    public int signalEvent(long param, boolean fast) {
        long value = param;
        if (!fast) {
            if ((param & 7) != 0) {
                return HvStatus.INVALID_ALIGNMENT;
            }
            value = memory.isRam(param, 8) ? memory.readLong(param) : 0;
        }
        if ((value & EVENT_FLAG_NUMBER_MASK) != 0) {
            return HvStatus.INVALID_PORT_ID;
        }
        if ((value & ~(long) HvConnections.CONNECTION_ID_MASK) != 0) {
            return HvStatus.INVALID_HYPERCALL_INPUT;
        }
        int connectionId = (int) value;
        HvEventHandler h = connections.eventHandler(connectionId);
        if (h == null) {
            return HvStatus.INVALID_CONNECTION_ID;
        }
        h.signal(connectionId);
        return HvStatus.SUCCESS;
    }
}
