// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvmm.bindings.kvm.kvm_hyperv_exit;
import org.jvmm.hyperv.synic.HvConnections;
import org.jvmm.hyperv.synic.HvExitHandler;
import org.jvmm.hyperv.synic.HvHypercalls;
import org.jvmm.hyperv.synic.HvStatus;
import org.jvmm.hyperv.synic.SintRoute;
import org.jvmm.hyperv.synic.SintSignal;
import org.jvmm.hyperv.synic.Synic;
import org.jvmm.vmm.cpu.VcpuTaskQueue;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRegion;

/**
 * The test device and SINT routes without KVM: guest commands on port 0x3000, PostMessage /
 * SignalEvent exits, messages staged across the EOM handshake, and hostile commands ignored.
 */
class HvTestDeviceTest {
    GuestMemory memory;
    Synic synic;
    HvConnections connections;
    HvExitHandler exits;
    HvTestDevice device;
    final AtomicInteger raised = new AtomicInteger();
    final List<SintRoute> routes = new ArrayList<>();
    final AtomicInteger closedSignals = new AtomicInteger();
    /** vCPU 0's tasks; the test runs them where the vCPU loop would, before re-entering the guest. */
    final VcpuTaskQueue vcpu0 = new VcpuTaskQueue(0);

    @BeforeEach
    void setUp() {
        memory = GuestMemory.of(List.of(new GuestRegion(0, Arena.ofAuto().allocate(1 << 20, 4096))));
        synic = new Synic(0, memory);
        connections = new HvConnections();
        exits = new HvExitHandler(vp -> vp == 0 ? synic : null, new HvHypercalls(memory, connections), false);
        device = new HvTestDevice(connections, (vp, sint) -> {
            if (vp != 0) {
                throw new IllegalArgumentException("no SynIC for VP " + vp);
            }
            SintRoute r = new SintRoute(synic, sint, new SintSignal() {
                @Override
                public void raise() {
                    raised.incrementAndGet();
                }

                @Override
                public void close() {
                    closedSignals.incrementAndGet();
                }
            }, (index, task) -> vcpu0.submit(task));
            routes.add(r);
            return r;
        });
        // The guest turned the SynIC on with the message page at 0x10000 and events at 0x11000.
        exits.handle(0, synicExit(0x40000080, 1, 0, 0));
        exits.handle(0, synicExit(0x40000083, 0, 0, 0x10001));
        exits.handle(0, synicExit(0x40000082, 0, 0x11001, 0));
    }

    static MemorySegment synicExit(int msr, long control, long evt, long msg) {
        MemorySegment hv = Arena.ofAuto().allocate(kvm_hyperv_exit.layout());
        kvm_hyperv_exit.type(hv, 1);
        MemorySegment s = kvm_hyperv_exit.u.synic(kvm_hyperv_exit.u(hv));
        kvm_hyperv_exit.u.synic.msr(s, msr);
        kvm_hyperv_exit.u.synic.control(s, control);
        kvm_hyperv_exit.u.synic.evt_page(s, evt);
        kvm_hyperv_exit.u.synic.msg_page(s, msg);
        return hv;
    }

    long hypercall(long input, long param) {
        MemorySegment hv = Arena.ofAuto().allocate(kvm_hyperv_exit.layout());
        kvm_hyperv_exit.type(hv, 2);
        MemorySegment c = kvm_hyperv_exit.u.hcall(kvm_hyperv_exit.u(hv));
        kvm_hyperv_exit.u.hcall.input(c, input);
        kvm_hyperv_exit.u.hcall.params(c, 0, param);
        exits.handle(0, hv);
        vcpu0.runPending();
        return kvm_hyperv_exit.u.hcall.result(c);
    }

    void command(int conn, int cmd, int vp, int sint) {
        device.write(0, 4, (long) conn << 24 | cmd << 16 | vp << 8 | sint);
    }

    long post(int conn, int type, int payloadWord) {
        memory.writeInt(0x20000, conn);
        memory.writeInt(0x20008, type);
        memory.writeInt(0x2000c, 4);
        memory.writeInt(0x20010, payloadWord);
        return hypercall(0x5C, 0x20000);
    }

    @Test
    void messageConnectionEchoesAndStagesAcrossEom() {
        command(9, HvTestDevice.MSG_CONN_CREATE, 0, 2);
        assertEquals(HvStatus.SUCCESS, post(9, 0x41, 0x1111));
        assertEquals(1, raised.get());
        assertEquals(0x41, memory.readInt(0x10000 + 512));
        assertEquals(4, memory.readByte(0x10000 + 512 + 4));
        assertEquals(0x1111, memory.readInt(0x10000 + 512 + 16));
        // Slot busy: the echo waits with msg_pending set; a third message finds the route busy.
        assertEquals(HvStatus.SUCCESS, post(9, 0x42, 0x2222));
        assertEquals(1, memory.readByte(0x10000 + 512 + 5));
        assertEquals(HvStatus.INSUFFICIENT_BUFFERS, post(9, 0x43, 0x3333));
        // An ack while the slot is still full changes nothing.
        routes.get(0).acked();
        vcpu0.runPending();
        assertTrue(routes.get(0).hasWaitingMessage());
        // The guest consumes the message and writes EOM: KVM acks, the waiting message goes in
        // on the vCPU thread, before the guest runs again.
        memory.writeInt(0x10000 + 512, 0);
        routes.get(0).acked();
        assertEquals(0, memory.readInt(0x10000 + 512), "nothing is written from the ack thread");
        vcpu0.runPending();
        assertFalse(routes.get(0).hasWaitingMessage());
        assertEquals(0x42, memory.readInt(0x10000 + 512));
        assertEquals(0x2222, memory.readInt(0x10000 + 512 + 16));
        assertEquals(2, raised.get());
        command(9, HvTestDevice.MSG_CONN_DESTROY, 0, 2);
        assertEquals(HvStatus.INVALID_CONNECTION_ID, post(9, 0x44, 0));
        assertEquals(1, closedSignals.get());
    }

    @Test
    void eventConnectionSetsTheFlagNamedByTheConnectionId() {
        command(10, HvTestDevice.EVT_CONN_CREATE, 0, 3);
        assertEquals(HvStatus.SUCCESS, hypercall(0x5D | 1L << 16, 10));
        assertEquals(1L << 10, memory.readLong(0x11000 + 3 * 256));
        assertEquals(1, raised.get());
        assertEquals(HvStatus.SUCCESS, hypercall(0x5D | 1L << 16, 10));
        assertEquals(1, raised.get(), "already set: no second interrupt");
        command(10, HvTestDevice.EVT_CONN_DESTROY, 0, 3);
        assertEquals(HvStatus.INVALID_CONNECTION_ID, hypercall(0x5D | 1L << 16, 10));
    }

    @Test
    void sintRouteCommands() {
        command(0, HvTestDevice.SINT_ROUTE_CREATE, 0, 5);
        command(0, HvTestDevice.SINT_ROUTE_SET_SINT, 0, 5);
        command(0, HvTestDevice.SINT_ROUTE_SET_SINT, 0, 5);
        assertEquals(2, raised.get());
        command(0, HvTestDevice.SINT_ROUTE_DESTROY, 0, 5);
        command(0, HvTestDevice.SINT_ROUTE_SET_SINT, 0, 5);
        assertEquals(2, raised.get(), "destroyed route raises nothing");
        assertEquals(1, closedSignals.get());
    }

    @Test
    void hostileCommandsAreIgnored() {
        command(0, 0xEE, 0, 0);                          // unknown command
        command(0, HvTestDevice.SINT_ROUTE_CREATE, 7, 0);  // no such VP
        command(0, HvTestDevice.SINT_ROUTE_CREATE, 0, 200); // no such SINT
        command(9, HvTestDevice.MSG_CONN_DESTROY, 0, 0);    // nothing to destroy
        command(9, HvTestDevice.MSG_CONN_CREATE, 0, 1);
        command(9, HvTestDevice.MSG_CONN_CREATE, 0, 1);     // duplicate: its new route is closed again
        assertEquals(1, closedSignals.get());
        command(0, HvTestDevice.SINT_ROUTE_SET_SINT, 0, 9); // no route
        assertEquals(0, raised.get());
    }
}
