// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * The hypercalls KVM leaves to userspace, with QEMU's checks in QEMU's order
 * ({@code hyperv_hcall_post_message}, {@code hyperv_hcall_signal_event} in hw/hyperv/hyperv.c).
 * Every guest address is checked against guest RAM before use.
 */
public final class HvHypercalls {
    /** Bits 32..47 of the SignalEvent parameter: the flag number, which must be 0. */
    static final long EVENT_FLAG_NUMBER_MASK = 0xFFFFL << 32;

    /** What a PostMessage input wholly outside RAM reads as (see {@link #postMessage}). */
    private static final MemorySegment UNASSIGNED =
            MemorySegment.ofArray(new byte[PostedMessage.INPUT_SIZE]).asReadOnly();

    private final GuestMemory memory;
    private final HvConnections connections;

    public HvHypercalls(GuestMemory memory, HvConnections connections) {
        this.memory = memory;
        this.connections = connections;
    }

    /**
     * HvPostMessage (0x5C) from VP {@code vpIndex} with input at guest-physical {@code gpa}.
     *
     * <p>Where the 256 input bytes are, as QEMU 7.2's {@code cpu_physical_memory_map} sees them:
     * all in RAM, they are read; partly in RAM (or running past 2^64), the mapping comes out short
     * and the answer is INSUFFICIENT_MEMORY; wholly outside RAM, QEMU reads them through its bounce
     * buffer, where unassigned memory reads as zeros: connection 0, payload size 0, so the answer
     * is that of connection 0 (INVALID_CONNECTION_ID unless a handler has it). One difference,
     * kept on purpose: over a device's MMIO range QEMU would read the device's registers, with
     * whatever side effects reading has (a UART's receive register loses its byte); jvmm reads
     * zeros there too, so a guest's hypercall never touches a device.
     */
    public int postMessage(int vpIndex, long gpa, boolean fast) {
        if (fast) {
            return HvStatus.INVALID_HYPERCALL_CODE; // QEMU's choice for a register-based PostMessage
        }
        if ((gpa & 3) != 0) {
            return HvStatus.INVALID_ALIGNMENT; // the input's widest member is a u32
        }
        MemorySegment input;
        if (memory.isRam(gpa, PostedMessage.INPUT_SIZE)) {
            input = memory.slice(gpa, PostedMessage.INPUT_SIZE);
        } else if (Long.compareUnsigned(gpa, -PostedMessage.INPUT_SIZE) > 0
                || memory.overlapsRam(gpa, PostedMessage.INPUT_SIZE)) {
            return HvStatus.INSUFFICIENT_MEMORY; // QEMU's mapping would end short
        } else {
            input = UNASSIGNED;
        }
        // Each field is read once: another vCPU may change the input while this one reads it.
        int connectionId = input.get(GuestMemory.LE_INT, 0);
        int messageType = input.get(GuestMemory.LE_INT, 8);
        int payloadSize = input.get(GuestMemory.LE_INT, 12);
        if (Integer.compareUnsigned(payloadSize, PostedMessage.MAX_PAYLOAD) > 0) {
            return HvStatus.INVALID_HYPERCALL_INPUT;
        }
        HvMessageHandler h = connections.messageHandler(connectionId);
        if (h == null) {
            return HvStatus.INVALID_CONNECTION_ID;
        }
        byte[] payload = input.asSlice(16, payloadSize).toArray(ValueLayout.JAVA_BYTE);
        return h.handle(new PostedMessage(vpIndex, connectionId, messageType, payload)) & 0xFFFF;
    }

    /**
     * HvSignalEvent (0x5D): the connection value is {@code param} itself when fast, else the 8
     * bytes at guest-physical {@code param}. An address outside RAM reads as 0, as an unassigned
     * address does in QEMU.
     *
     * <p>On a slow call, KVM since Linux 5.13 (its {@code struct kvm_hv_hcall} rework) has read
     * the 8 bytes itself, and it hands userspace that value where it used to hand the address;
     * QEMU 7.2 reads guest memory at it all the same, and so does this, so both answer alike
     * (scripts/bench-hypercalls checks the status against QEMU's).
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
