// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.jvmm.bindings.kvm.kvm_hyperv_exit;
import org.jvmm.hyperv.synic.HvConnections;
import org.jvmm.hyperv.synic.HvExitHandler;
import org.jvmm.hyperv.synic.HvHypercalls;
import org.jvmm.hyperv.synic.SintRoute;
import org.jvmm.hyperv.synic.SintSignal;
import org.jvmm.hyperv.synic.Synic;
import org.jvmm.hyperv.vmbus.balloon.DynamicMemory;
import org.jvmm.hyperv.vmbus.ic.Heartbeat;
import org.jvmm.hyperv.vmbus.ic.IcService;
import org.jvmm.hyperv.vmbus.ic.Shutdown;
import org.jvmm.hyperv.vmbus.ic.TimeSync;
import org.jvmm.vmm.cpu.VcpuException;
import org.jvmm.vmm.fuzz.FuzzInput;
import org.jvmm.vmm.fuzz.FuzzTarget;
import org.jvmm.vmm.fuzz.GuardedRam;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * A hostile Hyper-V guest with two VPs against the production pieces VMBus is made of, wired as
 * {@code VmbusExtension} wires them but without KVM: KVM_EXIT_HYPERV exits into
 * {@link HvExitHandler} (SynIC MSR writes with any page, PostMessage and SignalEvent with any input
 * address, debugger exits, unknown types), VMBus channel messages from a generator of each type
 * (INITIATE_CONTACT, offers, GPADL header/body/teardown, open, close, unload) whose fields come
 * from the input, ring buffers the guest writes packets into or scribbles over, the guest's EOM,
 * and the host's own requests (balloon target, shutdown). Real {@link Synic}s and
 * {@link SintRoute}s deliver messages into guest RAM; the vCPU-thread tasks run when the input
 * says the vCPU re-enters.
 *
 * <p>Findings: an exception other than the documented {@link VcpuException}, a write into a guard
 * band around guest RAM, a task storm (a delivery that keeps requeueing itself), a balloon that
 * counts more memory than the guest has.
 */
final class VmbusFuzzTarget implements FuzzTarget {
    static final long LOW = 2 << 20;
    static final long HIGH_BASE = 1L << 32;
    static final long HIGH = 64 << 10;
    static final int PAGE = 4096;
    /** Rings live from page 64; the generator names pages around them and beyond RAM. */
    static final long RING_PAGE = 64;
    private static final int[] MSRS = {0x40000080, 0x40000082, 0x40000083, 0x400000F1, 0x400000F5, 0x40000090};

    private final GuardedRam ram = new GuardedRam(LOW, HIGH_BASE, HIGH);
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-07T01:00:00Z"), ZoneOffset.UTC);
    private final Arena arena = Arena.ofAuto();
    private final ArrayDeque<Runnable> vcpuTasks = new ArrayDeque<>();
    private final List<SintRoute> routes = new ArrayList<>();
    private Synic[] synics;
    private HvExitHandler exits;
    private VmbusServer server;
    private DynamicMemory balloon;
    private Shutdown shutdown;
    private List<IcService> ics;

    @Override
    public String name() {
        return "vmbus";
    }

    private void fresh(boolean syndbg) {
        if (server != null) {
            server.close();
        }
        timer.getQueue().clear();
        vcpuTasks.clear();
        routes.clear();
        ram.reset();
        GuestMemory memory = ram.memory();
        synics = new Synic[] {new Synic(0, memory), new Synic(1, memory)};
        HvConnections connections = new HvConnections();
        exits = new HvExitHandler(i -> i >= 0 && i < synics.length ? synics[i] : null,
                new HvHypercalls(memory, connections), syndbg);
        balloon = new DynamicMemory(memory, timer);
        shutdown = new Shutdown();
        ics = List.of(new Heartbeat(timer, 3_600_000), shutdown, new TimeSync(clock));
        List<ChannelDevice> devices = List.of(ics.get(0), ics.get(1), ics.get(2), balloon);
        server = new VmbusServer(this::route, memory, devices);
        connections.addMessageHandler(VmbusServer.MESSAGE_CONNECTION_ID, server);
        connections.addMessageHandler(VmbusServer.MESSAGE_CONNECTION_ID_4, server);
        for (Channel c : server.channels()) {
            connections.addEventHandler(c.connectionId(), server::channelSignalled);
        }
    }

    /** As HypervExtension.sintRoute: a route to a VP's SynIC, which must exist. */
    private VmbusServer.Route route(int vp, int sint) {
        if (vp < 0 || vp >= synics.length) {
            throw new IllegalArgumentException("no VP " + vp);
        }
        SintRoute r = new SintRoute(synics[vp], sint, SintSignal.NONE, (index, task) -> {
            vcpuTasks.add(task);
            return CompletableFuture.completedFuture(null);
        });
        routes.add(r);
        return VmbusExtension.over(r);
    }

    @Override
    public List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(new byte[] {0, 0, 0, 0, 1}); // SCONTROL on VP 0
        for (int op = 0; op < 9; op++) {
            byte[] b = new byte[48];
            b[0] = 12;
            for (int i = 1; i < b.length; i += 4) {
                b[i] = (byte) (i % 9);
            }
            b[1] = (byte) op;
            seeds.add(b);
        }
        return seeds;
    }

    @Override
    public void run(FuzzInput in) {
        fresh(in.bool());
        if (in.pick(4) != 0) {
            handshake(in);
        }
        int ops = 1 + in.pick(24);
        for (int i = 0; i < ops && in.hasMore(); i++) {
            step(in);
            for (Channel c : server.channels()) {
                if (c.isOpen()) {
                    in.reach("open " + c.relid());
                }
            }
            if (balloon.ready()) {
                in.reach("balloon ready");
            }
            for (IcService ic : ics) {
                if (ic.negotiated()) {
                    in.reach(ic.name() + " negotiated");
                }
            }
        }
        ram.checkGuards();
        long actual = balloon.actualBytes();
        if (actual < 0 || actual > ram.memory().totalSize()) {
            throw new AssertionError("balloon counts " + actual + " bytes of " + ram.memory().totalSize());
        }
    }

    private void step(FuzzInput in) {
        switch (in.pick(9)) {
            case 0 -> {
                int vp = in.pick(3);
                try {
                    exits.handle(vp, synicExit(in.pick(MSRS.length) < MSRS.length - 1 ? MSRS[in.pick(MSRS.length)] : in.u32(),
                            VmbusFuzzMessages.pageValue(in), VmbusFuzzMessages.pageValue(in), VmbusFuzzMessages.pageValue(in)));
                    in.reach("synic exit ok");
                } catch (VcpuException e) {
                    in.reach("synic exit refused");
                }
            }
            case 1, 2, 3 -> post(in, VmbusFuzzMessages.message(in));
            case 4 -> {
                boolean fast = in.bool();
                long param = in.bool() ? VmbusServer.CHANNEL_CONNECTION_BASE + in.pick(6) : in.edgy64();
                if (!fast) {
                    long gpa = VmbusFuzzMessages.address(in) & ~7L;
                    if (ram.memory().isRam(gpa, 8)) {
                        ram.memory().writeLong(gpa, param);
                    }
                    param = gpa;
                }
                in.reach("signal " + hcall(0x5D | (fast ? 1L << 16 : 0), param, in.pick(2)));
            }
            case 5 -> guestRingWrite(in);
            case 6 -> {
                long gpa = (RING_PAGE + in.pick(16)) * PAGE + in.pick(PAGE);
                byte[] junk = in.bytes(16);
                if (ram.memory().isRam(gpa, junk.length)) {
                    ram.memory().write(gpa, junk);
                }
                in.reach("scribble");
            }
            case 7 -> {
                // The vCPUs re-enter (deliveries run), or the guest EOMs its message slots.
                if (in.bool()) {
                    eom(in.pick(2));
                    in.reach("eom");
                }
                runVcpuTasks();
                in.reach("vcpu tasks");
            }
            default -> host(in);
        }
    }

    /**
     * What Linux does first, with choices from the input: the SynIC on VP 0 with its pages, a
     * VMBus version, the offers, then a GPADL over ring pages and an open for some channels. A
     * random walk rarely gets this far by itself, and the hostile steps after it then reach the
     * devices behind open channels.
     */
    private void handshake(FuzzInput in) {
        exits.handle(0, synicExit(MSRS[0], 1, 0, 0));
        exits.handle(0, synicExit(MSRS[2], 1, 0x11001, 0x10001));
        exits.handle(0, synicExit(MSRS[1], 1, 0x11001, 0x10001));
        byte[] contact = new byte[ChannelMessage.INITIATE_CONTACT_SIZE];
        ChannelMessage.le(contact).putInt(0, ChannelMessage.INITIATE_CONTACT)
                .putInt(8, VmbusServer.VERSIONS.get(in.pick(VmbusServer.VERSIONS.size())));
        contact[16] = 2;
        postWellFormed(contact);
        postWellFormed(ChannelMessage.bare(ChannelMessage.REQUEST_OFFERS));
        for (int relid = 1; relid <= server.channels().size(); relid++) {
            if (in.pick(4) == 0) {
                continue;
            }
            long[] pfns = new long[8];
            for (int i = 0; i < 8; i++) {
                pfns[i] = RING_PAGE + 8L * relid + i;
            }
            for (byte[] m : GuestSide.gpadlMessages(relid, 0xE1E10 + relid, pfns)) {
                postWellFormed(m);
            }
            byte[] open = new byte[ChannelMessage.OPEN_CHANNEL_SIZE];
            ChannelMessage.le(open).putInt(0, ChannelMessage.OPEN_CHANNEL).putInt(8, relid).putInt(12, relid)
                    .putInt(16, 0xE1E10 + relid).putInt(20, 0).putInt(24, 4);
            postWellFormed(open);
        }
        eom(0);
        runVcpuTasks();
    }

    private void postWellFormed(byte[] payload) {
        GuestMemory m = ram.memory();
        m.writeInt(0x3000, VmbusServer.MESSAGE_CONNECTION_ID);
        m.writeInt(0x3004, 0);
        m.writeInt(0x3008, 1);
        m.writeInt(0x300c, payload.length);
        m.write(0x3010, payload);
        hcall(0x5C, 0x3000, 0);
        eom(0);
        runVcpuTasks();
    }

    private void host(FuzzInput in) {
        switch (in.pick(4)) {
            case 0 -> in.reach("balloon target " + balloon.setTarget(in.bool() ? in.pick(4) * (LOW / 4) : in.edgy64()));
            case 1 -> in.reach("shutdown " + shutdown.request());
            case 2 -> {
                try {
                    exits.handle(in.pick(2), rawExit(in));
                    in.reach("raw exit ok");
                } catch (VcpuException e) {
                    in.reach("raw exit refused");
                }
            }
            default -> {
                for (Channel c : server.channels()) {
                    synchronized (c) {
                        in.reach("host send " + c.relid() + " " + c.send(in.u8(), in.bytes(64)));
                    }
                }
            }
        }
    }

    private void runVcpuTasks() {
        for (int n = 0; !vcpuTasks.isEmpty(); n++) {
            if (n > 10_000) {
                throw new AssertionError("vCPU task storm: deliveries keep requeueing");
            }
            vcpuTasks.poll().run();
        }
    }

    /** The guest's EOM on VP {@code vp}: every slot freed, as the guest's handler does, then the ack. */
    private void eom(int vp) {
        long page = synics[vp].messagePageGpa();
        if (page != 0) {
            for (int s = 0; s < Synic.SINT_COUNT; s++) {
                ram.memory().writeInt(page + (long) s * Synic.SLOT_SIZE, 0);
            }
        }
        routes.forEach(SintRoute::acked);
    }

    /** PostMessage of {@code payload} through an input block at an address the input chooses. */
    private void post(FuzzInput in, byte[] payload) {
        long gpa = in.pick(4) == 0 ? VmbusFuzzMessages.address(in) : 0x3000 + 0x100L * in.pick(8);
        int connection = in.pick(4) == 0 ? in.edgy32() : in.bool() ? VmbusServer.MESSAGE_CONNECTION_ID : VmbusServer.MESSAGE_CONNECTION_ID_4;
        int size = in.pick(8) == 0 ? in.edgy32() : payload.length;
        GuestMemory m = ram.memory();
        if (m.isRam(gpa, 16 + payload.length)) {
            m.writeInt(gpa, connection);
            m.writeInt(gpa + 4, 0);
            m.writeInt(gpa + 8, in.pick(4) == 0 ? in.u32() : 1);
            m.writeInt(gpa + 12, size);
            m.write(gpa + 16, payload);
        }
        in.reach("post " + (payload.length >= 4 ? ChannelMessage.type(payload) & 0x3f : -1) + " -> "
                + hcall(0x5C | (in.pick(16) == 0 ? 1L << 16 : 0), gpa, in.pick(2)));
    }

    /** A packet written into the send ring of channel relid the way a guest driver writes it. */
    private void guestRingWrite(FuzzInput in) {
        int slot = in.pick(6);
        GuestSide.Ring ring = new GuestSide.Ring(ram.memory(), (RING_PAGE + 8L * slot) * PAGE, 4);
        boolean written = ring.write(in.u64(), switch (in.pick(3)) {
            case 0 -> VmbusFuzzMessages.icMessage(in);
            case 1 -> VmbusFuzzMessages.dmMessage(in);
            default -> in.bytes(in.pick(3) == 0 ? 1024 : 64);
        });
        int rejected = balloon.rejected() + ics.stream().mapToInt(IcService::rejected).sum();
        in.reach("ring write " + written + " signal " + hcall(0x5D | 1L << 16,
                VmbusServer.CHANNEL_CONNECTION_BASE + 1 + in.pick(5), in.pick(2)));
        int now = balloon.rejected() + ics.stream().mapToInt(IcService::rejected).sum();
        in.reach("ring slot " + slot + (now > rejected ? " rejected" : " accepted"));
    }

    private String hcall(long input, long param, int vp) {
        MemorySegment hv = arena.allocate(kvm_hyperv_exit.layout());
        kvm_hyperv_exit.type(hv, 2);
        MemorySegment c = kvm_hyperv_exit.u.hcall(kvm_hyperv_exit.u(hv));
        kvm_hyperv_exit.u.hcall.input(c, input);
        kvm_hyperv_exit.u.hcall.params(c, 0, param);
        exits.handle(vp, hv);
        return Long.toString(kvm_hyperv_exit.u.hcall.result(c));
    }

    private MemorySegment synicExit(int msr, long control, long evt, long msg) {
        MemorySegment hv = arena.allocate(kvm_hyperv_exit.layout());
        kvm_hyperv_exit.type(hv, 1);
        MemorySegment s = kvm_hyperv_exit.u.synic(kvm_hyperv_exit.u(hv));
        kvm_hyperv_exit.u.synic.msr(s, msr);
        kvm_hyperv_exit.u.synic.control(s, control);
        kvm_hyperv_exit.u.synic.evt_page(s, evt);
        kvm_hyperv_exit.u.synic.msg_page(s, msg);
        return hv;
    }

    private MemorySegment rawExit(FuzzInput in) {
        MemorySegment hv = arena.allocate(kvm_hyperv_exit.layout());
        byte[] raw = in.bytes((int) hv.byteSize());
        hv.copyFrom(MemorySegment.ofArray(java.util.Arrays.copyOf(raw, (int) hv.byteSize())));
        kvm_hyperv_exit.type(hv, in.pick(5));
        return hv;
    }
}
