// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.spi.CensusSink;

/** What the Hyper-V side adds to the census: hypercalls by code and status, SynIC deliveries by SINT. */
class HvCensusTest {

    /** The sink's view: "vcpu/group/key" → count. */
    private static Map<String, Long> collect(java.util.function.Consumer<CensusSink> source) {
        Map<String, Long> out = new TreeMap<>();
        source.accept((vcpu, group, key, n) -> {
            if (n != 0) {
                out.merge(vcpu + "/" + group + "/" + key, n, Long::sum);
            }
        });
        return out;
    }

    @Test
    void hypercallsAreCountedPerVcpuByCodeAndStatus() {
        GuestMemory memory = HvExits.ram(1 << 20);
        HvConnections connections = new HvConnections();
        connections.addEventHandler(7, id -> { });
        HvExitHandler handler = new HvExitHandler(null, new HvHypercalls(memory, connections), false);
        for (int i = 0; i < 3; i++) {
            handler.handle(1, HvExits.hcall(0x5D | (1L << 16), 7, 0)); // fast SignalEvent to 7: ok
        }
        handler.handle(1, HvExits.hcall(0x5D | (1L << 16), 8, 0));     // no handler for 8
        handler.handle(0, HvExits.hcall(0x5C, 0x4002, 0));             // misaligned PostMessage
        handler.handle(0, HvExits.hcall(0x99, 0, 0));                  // no such call
        assertEquals(Map.of(
                "1/hv-hypercall/0x005d SignalEvent: 0x0000 SUCCESS", 3L,
                "1/hv-hypercall/0x005d SignalEvent: 0x0012 INVALID_CONNECTION_ID", 1L,
                "0/hv-hypercall/0x005c PostMessage: 0x0004 INVALID_ALIGNMENT", 1L,
                "0/hv-hypercall/0x0099 unknown: 0x0002 INVALID_HYPERCALL_CODE", 1L),
                collect(handler.census()::report));
    }

    @Test
    void synicCountsMessagesAndEventFlagsBySint() {
        GuestMemory memory = HvExits.ram(1 << 20);
        Synic synic = new Synic(0, memory);
        AtomicInteger raised = new AtomicInteger();
        byte[] message = new byte[Synic.SLOT_SIZE];
        message[0] = 1; // a non-zero message type: the slot is then busy until the guest clears it
        assertEquals(Synic.PostResult.NO_PAGE, synic.postMessage(2, message, raised::incrementAndGet));
        assertEquals(-6, synic.setEventFlag(4, 1, raised::incrementAndGet));
        synic.scontrol(1);
        synic.simp(0x10001);
        synic.siefp(0x11001);
        synic.apply();
        assertEquals(Synic.PostResult.POSTED, synic.postMessage(2, message, raised::incrementAndGet));
        assertEquals(Synic.PostResult.BUSY, synic.postMessage(2, message, raised::incrementAndGet));
        assertEquals(Synic.PostResult.BUSY, synic.postMessage(2, message, raised::incrementAndGet));
        assertEquals(0, synic.setEventFlag(4, 1, raised::incrementAndGet));
        assertEquals(0, synic.setEventFlag(4, 1, raised::incrementAndGet));
        assertEquals(0, synic.setEventFlag(4, 2, raised::incrementAndGet));
        assertEquals(-22, synic.setEventFlag(4, Synic.EVENT_FLAGS, raised::incrementAndGet)); // refused, not counted
        assertEquals(Map.of(
                "sint 2 message NO_PAGE", 1L,
                "sint 2 message POSTED", 1L,
                "sint 2 message BUSY", 2L,
                "sint 4 event flag off", 1L,
                "sint 4 event flag set", 2L,
                "sint 4 event flag already set", 1L), synic.censusCounts());
    }

    @Test
    void aRouteHoldingAMessageCountsItsRefusals() {
        GuestMemory memory = HvExits.ram(1 << 20);
        Synic synic = new Synic(0, memory);
        synic.scontrol(1);
        synic.simp(0x10001);
        synic.apply();
        byte[] message = new byte[Synic.SLOT_SIZE];
        message[0] = 1;
        // Deliveries run at once here, as if posted from the target vCPU's own thread.
        org.jvmm.vmm.spi.VcpuTasks inline = (index, task) -> {
            task.run();
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        };
        try (SintRoute route = new SintRoute(synic, 5, SintSignal.NONE, inline)) {
            assertEquals(Synic.PostResult.QUEUED, route.post(message)); // into the slot
            assertEquals(Synic.PostResult.QUEUED, route.post(message)); // slot busy: waits in the route
            assertEquals(Synic.PostResult.ROUTE_BUSY, route.post(message));
        }
        assertEquals(Map.of("sint 5 message POSTED", 1L, "sint 5 message BUSY", 1L, "sint 5 message ROUTE_BUSY", 1L),
                synic.censusCounts());
    }

    @Test
    void statusNamesCoverTheListAndNameTheRest() {
        assertEquals("SUCCESS", HvStatus.name(HvStatus.SUCCESS));
        assertEquals("INSUFFICIENT_BUFFERS", HvStatus.name(HvStatus.INSUFFICIENT_BUFFERS));
        assertEquals("status-77", HvStatus.name(77));
    }
}
