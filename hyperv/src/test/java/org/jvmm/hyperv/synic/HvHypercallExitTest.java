// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.memory.GuestMemory;

/** HCALL exits on fabricated kvm_hyperv_exit segments: every status path of QEMU's handlers. */
class HvHypercallExitTest {
    static final long RAM = 1 << 20;
    static final long FAST = 1L << 16;
    static final byte[] PAYLOAD = "jvmm-hyperv!".getBytes(StandardCharsets.US_ASCII);

    GuestMemory memory;
    HvConnections connections;
    HvExitHandler handler;
    final List<PostedMessage> received = new ArrayList<>();
    final List<Integer> signalled = new ArrayList<>();

    @BeforeEach
    void setUp() {
        memory = HvExits.ram(RAM);
        connections = new HvConnections();
        handler = new HvExitHandler(null, new HvHypercalls(memory, connections), false);
        connections.addMessageHandler(5, m -> {
            received.add(m);
            return 0x1_0013; // only the low 16 bits may reach the guest
        });
        connections.addEventHandler(7, signalled::add);
    }

    long call(int vcpu, long input, long param0) {
        MemorySegment hv = HvExits.hcall(input, param0, 0);
        handler.handle(vcpu, hv);
        return HvExits.result(hv);
    }

    @Test
    void postMessageReachesTheHandlerWithPayloadAndItsStatus() {
        HvExits.postInput(memory, 0x4000, 5, 0x4a, PAYLOAD.length, PAYLOAD);
        assertEquals(HvStatus.INSUFFICIENT_BUFFERS, call(1, 0x5C, 0x4000));
        assertEquals(1, received.size());
        PostedMessage m = received.get(0);
        assertEquals(1, m.vpIndex());
        assertEquals(5, m.connectionId());
        assertEquals(0x4a, m.messageType());
        assertArrayEquals(PAYLOAD, m.payload());
    }

    @Test
    void postMessageLooksUpTheLow24BitsOfTheConnectionId() {
        HvExits.postInput(memory, 0x4000, 0x7F00_0005, 1, 0, new byte[0]);
        assertEquals(HvStatus.INSUFFICIENT_BUFFERS, call(0, 0x5C, 0x4000));
        assertEquals(0x7F00_0005, received.get(0).connectionId());
    }

    @Test
    void postMessageStatusPathsInQemuOrder() {
        HvExits.postInput(memory, 0x4000, 6, 1, 8, PAYLOAD);
        assertEquals(HvStatus.INVALID_HYPERCALL_CODE, call(0, 0x5C | FAST, 0x4000), "fast");
        assertEquals(HvStatus.INVALID_ALIGNMENT, call(0, 0x5C, 0x4002), "misaligned");
        assertEquals(HvStatus.INSUFFICIENT_MEMORY, call(0, 0x5C, RAM - 128), "crosses the end of RAM");
        assertEquals(HvStatus.INSUFFICIENT_MEMORY, call(0, 0x5C, -128L), "runs past 2^64");
        assertEquals(HvStatus.INVALID_CONNECTION_ID, call(0, 0x5C, 0x4000), "no handler for 6");
        HvExits.postInput(memory, 0x5000, 5, 1, 241, PAYLOAD);
        assertEquals(HvStatus.INVALID_HYPERCALL_INPUT, call(0, 0x5C, 0x5000), "payload 241");
        HvExits.postInput(memory, 0x5000, 6, 1, -1, PAYLOAD);
        assertEquals(HvStatus.INVALID_HYPERCALL_INPUT, call(0, 0x5C, 0x5000), "payload 0xffffffff (unsigned)");
        // Misalignment wins over a bad payload, and a bad payload over a missing handler.
        HvExits.postInput(memory, 0x6000, 6, 1, 300, PAYLOAD);
        assertEquals(HvStatus.INVALID_ALIGNMENT, call(0, 0x5C, 0x6001));
        assertEquals(0, received.size());
    }

    @Test
    void postMessageInputWhollyOutsideRamReadsAsZerosAsInQemu() {
        assertEquals(HvStatus.INVALID_CONNECTION_ID, call(0, 0x5C, RAM), "just past RAM");
        assertEquals(HvStatus.INVALID_CONNECTION_ID, call(0, 0x5C, 0x10_0000_0000L), "64 GiB");
        assertEquals(HvStatus.INVALID_CONNECTION_ID, call(0, 0x5C, -256L), "the last 256 bytes below 2^64");
        connections.addMessageHandler(0, m -> {
            received.add(m);
            return HvStatus.SUCCESS;
        });
        assertEquals(HvStatus.SUCCESS, call(2, 0x5C, 0xFFFF_FFFF_FFFF_F000L));
        PostedMessage m = received.get(0);
        assertEquals(List.of(2, 0, 0, 0), List.of(m.vpIndex(), m.connectionId(), m.messageType(), m.payload().length));
    }

    @Test
    void postMessageInputPartlyInRamIsInsufficientMemory() {
        // RAM at [64 KiB, 128 KiB): the input may overlap either end of it.
        GuestMemory twoEnds = HvExits.ramAt(0x10000, 0x10000);
        HvExitHandler h = new HvExitHandler(null, new HvHypercalls(twoEnds, connections), false);
        for (long gpa : new long[] {0x10000 - 128, 0x20000 - 128}) {
            MemorySegment hv = HvExits.hcall(0x5C, gpa, 0);
            h.handle(0, hv);
            assertEquals(HvStatus.INSUFFICIENT_MEMORY, HvExits.result(hv), "input at 0x" + Long.toHexString(gpa));
        }
        MemorySegment hv = HvExits.hcall(0x5C, 0x10000 - 256, 0);
        h.handle(0, hv);
        assertEquals(HvStatus.INVALID_CONNECTION_ID, HvExits.result(hv), "just below RAM: zeros");
    }

    @Test
    void postMessageWithTheFullPayloadAtTheEndOfRam() {
        byte[] full = new byte[240];
        full[239] = 0x5A;
        HvExits.postInput(memory, RAM - 256, 5, 2, 240, full);
        assertEquals(HvStatus.INSUFFICIENT_BUFFERS, call(0, 0x5C, RAM - 256));
        assertArrayEquals(full, received.get(0).payload());
    }

    @Test
    void signalEventFastAndSlow() {
        assertEquals(HvStatus.SUCCESS, call(0, 0x5D | FAST, 7));
        memory.writeLong(0x3000, 7);
        assertEquals(HvStatus.SUCCESS, call(0, 0x5D, 0x3000));
        assertEquals(List.of(7, 7), signalled);
    }

    @Test
    void signalEventStatusPaths() {
        assertEquals(HvStatus.INVALID_PORT_ID, call(0, 0x5D | FAST, 7 | (1L << 32)), "flag number");
        assertEquals(HvStatus.INVALID_HYPERCALL_INPUT, call(0, 0x5D | FAST, 7 | (1L << 24)), "reserved bit 24");
        assertEquals(HvStatus.INVALID_HYPERCALL_INPUT, call(0, 0x5D | FAST, 7 | (1L << 48)), "reserved bit 48");
        assertEquals(HvStatus.INVALID_CONNECTION_ID, call(0, 0x5D | FAST, 8), "unregistered");
        assertEquals(HvStatus.INVALID_ALIGNMENT, call(0, 0x5D, 0x3004), "slow, misaligned");
        // Outside RAM reads as 0, like an unassigned address in QEMU: connection 0 is unregistered.
        assertEquals(HvStatus.INVALID_CONNECTION_ID, call(0, 0x5D, RAM + 8), "slow, outside RAM");
        assertEquals(HvStatus.INVALID_CONNECTION_ID, call(0, 0x5D, -8L), "slow, top of the address space");
        assertEquals(List.of(), signalled);
    }

    @Test
    void unknownAndDebugCodesAreInvalidHypercallCodes() {
        for (long code : new long[] {0x0, 0x2, 0x8, 0xBEEF, 0x69, 0x6A, 0x6B, 0x8001}) {
            assertEquals(HvStatus.INVALID_HYPERCALL_CODE, call(0, code, 0x4000), "code 0x" + Long.toHexString(code));
        }
    }

    @Test
    void theCodeIsTheLow16BitsOfTheInput() {
        // Rep count and start index bits do not change which call it is.
        HvExits.postInput(memory, 0x4000, 5, 0x4a, 0, new byte[0]);
        assertEquals(HvStatus.INSUFFICIENT_BUFFERS, call(0, 0x5C | (3L << 32) | (1L << 48), 0x4000));
    }

    @Test
    void registryRules() {
        HvConnections c = new HvConnections();
        HvMessageHandler h = m -> 0;
        c.addMessageHandler(1, h);
        var dup = org.junit.jupiter.api.Assertions.assertThrows(org.jvmm.vmm.VmmException.class,
                () -> c.addMessageHandler(1, h));
        assertEquals("Hyper-V message connection 1 already has a handler", dup.getMessage());
        c.removeMessageHandler(1);
        assertNull(c.messageHandler(1));
        var missing = org.junit.jupiter.api.Assertions.assertThrows(org.jvmm.vmm.VmmException.class,
                () -> c.removeMessageHandler(1));
        assertEquals("Hyper-V message connection 1 has no handler to remove", missing.getMessage());
        c.addEventHandler(2, id -> {});
        org.junit.jupiter.api.Assertions.assertThrows(org.jvmm.vmm.VmmException.class,
                () -> c.addEventHandler(2, id -> {}));
        c.removeEventHandler(2);
        org.junit.jupiter.api.Assertions.assertThrows(org.jvmm.vmm.VmmException.class, () -> c.removeEventHandler(2));
        var wide = org.junit.jupiter.api.Assertions.assertThrows(org.jvmm.vmm.VmmException.class,
                () -> c.addMessageHandler(0x0100_0000, h));
        assertEquals("Hyper-V connection id 0x1000000 does not fit in 24 bits", wide.getMessage());
        // A message handler and an event handler may share an id.
        c.addMessageHandler(3, h);
        c.addEventHandler(3, id -> {});
    }
}
