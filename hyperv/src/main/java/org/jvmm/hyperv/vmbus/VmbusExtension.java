// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.hyperv.kvm.HypervExtension;
import org.jvmm.hyperv.synic.SintRoute;
import org.jvmm.hyperv.synic.Synic;
import org.jvmm.hyperv.vmbus.ic.Heartbeat;
import org.jvmm.hyperv.vmbus.ic.Shutdown;
import org.jvmm.hyperv.vmbus.ic.TimeSync;
import org.jvmm.hyperv.vmbus.balloon.DynamicMemory;
import org.jvmm.vmm.acpi.Aml;
import org.jvmm.vmm.acpi.ResourceTemplate;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.spi.CensusSink;
import org.jvmm.vmm.spi.HandlerRegistry;
import org.jvmm.vmm.spi.VmExtension;

/**
 * VMBus for a jvmm guest: the ACPI device Linux's hv_vmbus binds to, the {@link VmbusServer} on
 * the Hyper-V extension's message connections, answering through its SINT routes, and the
 * integration services Hyper-V gives every guest: heartbeat, shutdown and time synchronisation
 * (channels 1 to 3), and optionally dynamic memory (the balloon, channel 4). Add it to the machine after the {@link HypervExtension} it uses.
 *
 * <p>Linux only looks for VMBus when it runs as a Hyper-V guest, which it does only with KVM's
 * own signature hidden (kvm=off), and its driver needs the SynIC (hv-synic, so hv-vpindex too):
 * {@link #create} refuses anything less with one line.
 */
public final class VmbusExtension implements VmExtension {
    /** How often the heartbeat service asks the guest (Hyper-V's own period is a few seconds). */
    static final long HEARTBEAT_MILLIS = 1000;

    private final HypervExtension hv;
    private final ScheduledExecutorService services;
    private final Heartbeat heartbeat;
    private final Shutdown shutdown = new Shutdown();
    private final TimeSync timeSync;
    private final boolean withBalloon;
    private final boolean kernelSignals;
    private volatile DynamicMemory balloon;
    private volatile VmbusServer server;
    private volatile GuestMemory memory;

    private VmbusExtension(HypervExtension hv, Clock clock, boolean withBalloon, boolean kernelSignals) {
        this.hv = hv;
        this.withBalloon = withBalloon;
        this.kernelSignals = kernelSignals;
        this.services = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vmbus-services");
            t.setDaemon(true);
            return t;
        });
        this.heartbeat = new Heartbeat(services, HEARTBEAT_MILLIS);
        this.timeSync = new TimeSync(clock);
    }

    /** VMBus on {@code hv}, which must have the SynIC and the KVM signature hidden. */
    public static VmbusExtension create(HypervExtension hv) {
        return create(hv, false);
    }

    /** As {@link #create(HypervExtension)}, with the dynamic-memory device (the balloon) as channel 4. */
    public static VmbusExtension create(HypervExtension hv, boolean withBalloon) {
        return create(hv, withBalloon, true);
    }

    /**
     * As {@link #create(HypervExtension, boolean)}; {@code kernelSignals} false keeps the guest's
     * channel signals on the KVM_EXIT_HYPERV path even where KVM could take them (KVM_HYPERV_EVENTFD).
     */
    public static VmbusExtension create(HypervExtension hv, boolean withBalloon, boolean kernelSignals) {
        if (!hv.enabled() || !hv.effective().has(HvFeature.SYNIC)) {
            throw new HvConfigException("VMBus needs the Hyper-V SynIC: add hv-synic (with hv-vpindex), or"
                    + " <synic state='on'/> and <vpindex state='on'/> in libvirt XML");
        }
        if (hv.effective().exposeKvm()) {
            throw new HvConfigException("VMBus needs KVM's signature hidden (kvm=off, or <kvm><hidden"
                    + " state='on'/></kvm>): a Linux guest that sees KVM never looks for VMBus");
        }
        return new VmbusExtension(hv, Clock.systemUTC(), withBalloon, kernelSignals);
    }

    /** The server, once the machine is built. */
    public VmbusServer server() {
        return server;
    }

    /** The balloon, once the machine is built with one; empty otherwise. */
    public java.util.Optional<DynamicMemory> balloon() {
        return java.util.Optional.ofNullable(balloon);
    }

    public Heartbeat heartbeat() {
        return heartbeat;
    }

    public TimeSync timeSync() {
        return timeSync;
    }

    /**
     * Takes the device named {@code id} ({@link #deviceIds()}) away from the running guest, as
     * hot-unplug does: see {@link VmbusServer#remove}. {@code gone} runs once the guest let go.
     */
    public VmbusServer.Removal removeDevice(String id, Runnable gone) {
        VmbusServer s = server;
        return s == null ? VmbusServer.Removal.UNKNOWN : s.remove(id, gone);
    }

    /** The ids of the VMBus devices still present: heartbeat, shutdown, timesync, dynamic-memory. */
    public List<String> deviceIds() {
        VmbusServer s = server;
        return s == null ? List.of() : s.deviceIds();
    }

    /** Asks the guest to power off through its shutdown service; false when it cannot be asked. */
    public boolean requestShutdown() {
        return shutdown.request();
    }

    @Override
    public String name() {
        return "vmbus";
    }

    /**
     * {@code Device(VMBS)} under {@code \_SB} with {@code _HID "VMBus"}, the ID Hyper-V and QEMU
     * give it and Linux's hv_vmbus matches (iasl calls such an ID malformed, but it is the one
     * every guest driver knows), {@code _UID 0}, and QEMU's {@code _CRS} of ISA IRQ 7: Linux walks
     * the resources but takes VMBus interrupts through the SynIC, never this IRQ.
     */
    @Override
    public List<byte[]> acpiDevices() {
        return List.of(Aml.device("VMBS",
                Aml.nameDecl("_HID", Aml.string("VMBus")),
                Aml.nameDecl("_UID", Aml.integer(0)),
                Aml.nameDecl("_CRS", new ResourceTemplate().irq(7).buffer())));
    }

    @Override
    public void registerHandlers(HandlerRegistry registry, GuestMemory memory) {
        this.memory = memory;
        List<ChannelDevice> devices = new java.util.ArrayList<>(List.of(heartbeat, shutdown, timeSync));
        if (withBalloon) {
            balloon = new DynamicMemory(memory, services, registry.memoryHotplug());
            devices.add(balloon);
        }
        VmbusServer.KernelSignals signals = VmbusServer.KernelSignals.NONE;
        if (kernelSignals && hv.signalEventfds().isPresent()) {
            var fds = hv.signalEventfds().get();
            signals = fds::bind;
        }
        // The exit-path handlers stay for every channel: they carry the signals of a channel the
        // kernel does not (before it opens, or where a binding failed).
        VmbusServer s = new VmbusServer(this::route, memory, devices, signals);
        hv.connections().addMessageHandler(VmbusServer.MESSAGE_CONNECTION_ID, s);
        hv.connections().addMessageHandler(VmbusServer.MESSAGE_CONNECTION_ID_4, s);
        for (Channel c : s.channels()) {
            hv.connections().addEventHandler(c.connectionId(), s::channelSignalled);
        }
        server = s;
    }

    private VmbusServer.Route route(int vpIndex, int sint) {
        return over(hv.sintRoute(vpIndex, sint));
    }

    /** The server's view of a SynIC route (the fuzz target builds its routes through it too). */
    static VmbusServer.Route over(SintRoute r) {
        return new VmbusServer.Route() {
            @Override
            public Synic.PostResult post(byte[] hvMessage) {
                return r.post(hvMessage);
            }

            @Override
            public int setEventFlag(int flag) {
                return r.setEventFlag(flag);
            }

            @Override
            public void onDelivered(Runnable then) {
                r.onDelivered(then);
            }

            @Override
            public void close() {
                r.close();
            }
        };
    }

    /** The VMBus side of {@code --stats}: the version agreed, heartbeats, ignored guest messages. */
    @Override
    public void census(CensusSink sink) {
        VmbusServer s = server;
        if (s == null) {
            return;
        }
        sink.add(CensusSink.VM, "vmbus", "version " + (s.version() == 0 ? "none" : VmbusServer.versionName(s.version())), 1);
        sink.add(CensusSink.VM, "vmbus", "heartbeats", heartbeat.beats());
        sink.add(CensusSink.VM, "vmbus", "timesync answers", timeSync.answered());
        DynamicMemory b = balloon;
        if (b != null) {
            sink.add(CensusSink.VM, "vmbus", "balloon MiB given back", (memory.totalSize() - b.actualBytes()) >> 20);
            sink.add(CensusSink.VM, "vmbus", "balloon messages refused", b.rejected());
        }
        s.ignored().forEach((why, n) -> sink.add(CensusSink.VM, "vmbus", "ignored " + why.name().toLowerCase(), n));
    }

    @Override
    public void close() {
        services.shutdownNow();
        VmbusServer s = server;
        if (s != null) {
            s.close();
        }
    }
}
