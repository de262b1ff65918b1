// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jvmm.hyperv.synic.HvMessageHandler;
import org.jvmm.hyperv.synic.HvStatus;
import org.jvmm.hyperv.synic.PostedMessage;
import org.jvmm.hyperv.synic.Synic;
import org.jvmm.vmm.memory.GuestMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host side of the VMBus connection: version negotiation, channel offers and rescinds
 * ({@link ChannelTable}), GPADLs, opening and closing channels, and unload, driven by the channel
 * messages a guest posts (HvPostMessage to connection id 1, or 4 from version 5.0 on), answered
 * one at a time ({@link HostMessages}) on the VP and SINT the guest named in INITIATE_CONTACT.
 *
 * <p>Every guest message is checked for its type's size before a field is read; a message that
 * is short, of an unknown type, or out of place (anything but INITIATE_CONTACT before a version is
 * agreed) is counted and ignored, as Hyper-V ignores it, and the guest's hypercall still succeeds.
 * Handlers run on the posting vCPU's thread and delivery notices on the SINT acknowledgement
 * thread; the server's state is guarded by its own lock, always taken before the route's.
 */
public final class VmbusServer implements HvMessageHandler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VmbusServer.class);
    /** VMBUS_MESSAGE_CONNECTION_ID and VMBUS_MESSAGE_CONNECTION_ID_4 (Linux drivers/hv/hyperv_vmbus.h). */
    public static final int MESSAGE_CONNECTION_ID = 1;
    public static final int MESSAGE_CONNECTION_ID_4 = 4;
    /** VMBUS_MESSAGE_SINT: where host messages go before 5.0; from 5.0 the guest names the SINT. */
    static final int DEFAULT_MESSAGE_SINT = 2;
    /** SynIC message type of VMBus host messages (QEMU's HV_MESSAGE_VMBUS). */
    static final int HV_MESSAGE_VMBUS = 1;
    /** Host messages queued behind the one in flight; a guest that floods gets INSUFFICIENT_BUFFERS. */
    static final int MAX_QUEUED = 64;
    /** Channel n signals the host on connection id BASE + n (QEMU's VMBUS_CHAN_CONNECTION_OFFSET). */
    public static final int CHANNEL_CONNECTION_BASE = 0x10000;
    /** OPENCHANNEL_RESULT and GPADL_CREATED status for a refused request (Windows' STATUS_UNSUCCESSFUL). */
    static final int STATUS_FAILED = 0xC0000001;

    /**
     * The versions accepted, newest first, as major << 16 | minor: what a Windows Server 2022
     * Hyper-V host offers (5.3 down to 3.0 = Windows 8.1). Linux asks from its newest down and
     * keeps the first one accepted; older ones use an interrupt page jvmm does not serve.
     */
    public static final List<Integer> VERSIONS = List.of(v(5, 3), v(5, 2), v(5, 1), v(5, 0), v(4, 1), v(4, 0), v(3, 0));
    static final int V5_0 = v(5, 0);

    /** Opens message routes to a VP's SINT (in jvmm, a KVM SINT route of the Hyper-V extension). */
    @FunctionalInterface
    public interface Routes {
        Route open(int vpIndex, int sint);
    }

    /** A route for 256-byte SynIC messages, one in flight at a time (see SintRoute), and event flags. */
    public interface Route extends AutoCloseable {
        Synic.PostResult post(byte[] hvMessage);

        /** Sets event flag {@code flag} of the route's SINT and raises it (0, or a negative errno). */
        int setEventFlag(int flag);

        /** Called once each time a message that had to wait for the guest's EOM is delivered. */
        void onDelivered(Runnable r);

        @Override
        void close();
    }

    /**
     * Where the guest's HvSignalEvent on a channel can be taken without a userspace exit (in
     * jvmm, KVM_HYPERV_EVENTFD): binds {@code connectionId} to {@code onSignal} until the binding
     * is closed, or returns null when it cannot (the exit path then carries the signals).
     */
    @FunctionalInterface
    public interface KernelSignals {
        KernelSignals NONE = (connectionId, onSignal) -> null;

        AutoCloseable bind(int connectionId, Runnable onSignal);
    }

    /** What the guest did that the server ignored, for the log and the census. */
    public enum Ignored { SHORT, UNKNOWN_TYPE, NOT_CONNECTED, BAD_TARGET, GONE_RELID }

    /** What {@link #remove} did with a device. */
    public enum Removal {
        /** RESCIND_CHANNELOFFER went out; the device goes when the guest releases the relid. */
        RESCINDED,
        /** The guest never saw the device: it is gone already. */
        GONE,
        /** No present device has that id. */
        UNKNOWN,
        /** Already rescinded, waiting for the guest's release. */
        PENDING
    }

    private final Routes routes;
    private final Gpadls gpadls;
    private final GuestMemory memory;
    private final ChannelTable table;
    private final KernelSignals kernelSignals;
    private final HostMessages out = new HostMessages(this);
    private final EventRoutes eventRoutes;
    private final Map<Ignored, Integer> ignored = new EnumMap<>(Ignored.class);
    /** How many of the versions a guest asked for are remembered (Linux walks down at most 7). */
    static final int VERSIONS_REMEMBERED = 16;
    private final List<Integer> versionsAsked = new ArrayList<>();
    private int messageSint;
    private int version;
    private boolean closed;

    /**
     * A server offering one channel per device, relids from 1 in the order given, over guest
     * memory {@code memory} (where GPADLs point).
     */
    public VmbusServer(Routes routes, GuestMemory memory, List<ChannelDevice> devices) {
        this(routes, memory, devices, KernelSignals.NONE);
    }

    /** As above, with the guest's channel signals taken through {@code kernelSignals} where it can. */
    public VmbusServer(Routes routes, GuestMemory memory, List<ChannelDevice> devices, KernelSignals kernelSignals) {
        this.routes = Objects.requireNonNull(routes, "routes");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.kernelSignals = Objects.requireNonNull(kernelSignals, "kernelSignals");
        this.gpadls = new Gpadls(memory);
        this.eventRoutes = new EventRoutes(routes);
        this.table = new ChannelTable(devices);
    }

    /** Every channel, relid order, removed ones included. */
    public synchronized List<Channel> channels() {
        return table.all();
    }

    static int v(int major, int minor) {
        return major << 16 | minor;
    }

    /** "5.3" for 0x50003. */
    public static String versionName(int version) {
        return (version >>> 16) + "." + (version & 0xffff);
    }

    /** The agreed version, or 0 while the guest is not connected. */
    public synchronized int version() {
        return version;
    }

    /**
     * The versions the guest asked for, in order (Linux walks down its list until one is taken);
     * the last {@link #VERSIONS_REMEMBERED} of them.
     */
    public synchronized List<Integer> versionsAsked() {
        return List.copyOf(versionsAsked);
    }

    public synchronized Map<Ignored, Integer> ignored() {
        return Collections.unmodifiableMap(new EnumMap<>(ignored));
    }

    @Override
    public synchronized int handle(PostedMessage m) {
        if (closed) {
            return HvStatus.SUCCESS;
        }
        byte[] p = m.payload();
        int type = ChannelMessage.type(p);
        switch (type) {
            case ChannelMessage.INITIATE_CONTACT -> initiateContact(p);
            case ChannelMessage.REQUEST_OFFERS -> {
                if (connected()) {
                    return requestOffers();
                }
            }
            case ChannelMessage.GPADL_HEADER, ChannelMessage.GPADL_BODY -> {
                if (connected()) {
                    var done = type == ChannelMessage.GPADL_HEADER ? gpadls.header(p) : gpadls.body(p);
                    if (done.isEmpty() && p.length < Gpadls.HEADER_FIXED) {
                        ignored.merge(Ignored.SHORT, 1, Integer::sum);
                    }
                    if (done.isPresent()) {
                        var o = done.get();
                        return send(ChannelMessage.gpadlCreated(o.relid(), o.id(), o.created() ? 0 : STATUS_FAILED));
                    }
                }
            }
            case ChannelMessage.GPADL_TEARDOWN -> {
                if (connected() && sized(p, ChannelMessage.GPADL_TEARDOWN_SIZE)) {
                    int id = ChannelMessage.le(p).getInt(12);
                    // A ring still open on this GPADL keeps working only until its channel closes.
                    table.all().stream().filter(c -> c.gpadlId() == id).forEach(Channel::close);
                    if (gpadls.teardown(id)) {
                        return send(ChannelMessage.gpadlTorndown(id));
                    }
                }
            }
            case ChannelMessage.OPEN_CHANNEL -> {
                if (connected() && sized(p, ChannelMessage.OPEN_CHANNEL_SIZE)) {
                    return openChannel(p);
                }
            }
            case ChannelMessage.CLOSE_CHANNEL -> {
                if (connected() && sized(p, ChannelMessage.CLOSE_CHANNEL_SIZE)) {
                    table.held(ChannelMessage.le(p).getInt(8)).ifPresent(Channel::close);
                }
            }
            case ChannelMessage.RELID_RELEASED -> {
                if (connected() && sized(p, ChannelMessage.CLOSE_CHANNEL_SIZE)) {
                    relidReleased(ChannelMessage.le(p).getInt(8), m);
                }
            }
            case ChannelMessage.UNLOAD -> {
                if (connected()) {
                    // The guest waits (polling its message page, up to 10 s in Linux) for this answer
                    // before it powers off or kexecs; from here on it is disconnected.
                    version = 0;
                    table.sessionEnded();
                    gpadls.clear();
                    return send(ChannelMessage.bare(ChannelMessage.UNLOAD_RESPONSE));
                }
            }
            case -1 -> ignore(Ignored.SHORT, m);
            default -> ignore(type > 0 && type <= ChannelMessage.UNLOAD_RESPONSE ? Ignored.NOT_CONNECTED
                    : Ignored.UNKNOWN_TYPE, m);
        }
        return HvStatus.SUCCESS;
    }

    private boolean sized(byte[] p, int size) {
        if (p.length < size) {
            ignored.merge(Ignored.SHORT, 1, Integer::sum);
            return false;
        }
        return true;
    }

    /** The guest let go of a relid: for a rescinded channel, the end of it and of its GPADLs. */
    private void relidReleased(int relid, PostedMessage m) {
        if (table.state(relid) == ChannelTable.State.GONE) {
            ignore(Ignored.GONE_RELID, m); // released twice, or never ours
        } else if (table.released(relid)) {
            gpadls.dropRelid(relid);
            LOG.debug("VMBus: the guest released relid {}", relid);
        }
    }

    /**
     * Takes the device named {@code id} (its {@link ChannelDevice#name()}) away from a running
     * guest, as Hyper-V does when a device is removed: a guest that was offered it gets
     * RESCIND_CHANNELOFFER, and {@code gone} runs (under the server's lock, so it must only note
     * it) once the guest has released the relid, or at once when the guest never saw the device.
     */
    public synchronized Removal remove(String id, Runnable gone) {
        int relid = table.relidOf(id);
        Removal r = table.remove(id, gone);
        if (r == Removal.RESCINDED) {
            send(ChannelMessage.rescind(relid));
        }
        return r;
    }

    /** The ids of the devices still present, relid order. */
    public synchronized List<String> deviceIds() {
        return table.presentIds();
    }

    private int requestOffers() {
        List<Channel> present = table.offerAll();
        if (out.queued() + present.size() >= MAX_QUEUED) {
            return HvStatus.INSUFFICIENT_BUFFERS;
        }
        for (Channel c : present) {
            // Instance GUIDs are fixed per relid, so a guest sees the same devices on every boot.
            byte[] instance = ChannelMessage.guid("%08x-6a76-6d6d-8000-000000000000".formatted(c.relid()));
            send(ChannelMessage.offerChannel(ChannelMessage.guid(c.device().interfaceType()), instance,
                    c.relid(), c.connectionId()));
        }
        return send(ChannelMessage.bare(ChannelMessage.ALL_OFFERS_DELIVERED));
    }

    private int openChannel(byte[] p) {
        var b = ChannelMessage.le(p);
        int relid = b.getInt(8);
        int openId = b.getInt(12);
        int gpadlId = b.getInt(16);
        int targetVp = b.getInt(20);
        int downstream = b.getInt(24);
        boolean ok = false;
        var c = table.present(relid);
        var g = gpadls.get(gpadlId);
        if (c.isPresent() && g.isPresent() && g.get().relid() == relid) {
            try {
                Route events = eventRoutes.get(targetVp, messageSint);
                Channel channel = c.get();
                ok = channel.open(memory, g.get(), downstream, () -> events.setEventFlag(relid),
                        () -> kernelSignals(channel));
            } catch (RuntimeException e) {
                ignored.merge(Ignored.BAD_TARGET, 1, Integer::sum); // a VP without a SynIC
            }
        }
        return send(ChannelMessage.openResult(relid, openId, ok ? 0 : STATUS_FAILED));
    }

    /**
     * While the channel is open its signals may skip userspace: the kernel wakes a thread that
     * drains the ring. A binding the kernel refuses (null) leaves them on the exit path, which
     * always works.
     */
    private AutoCloseable kernelSignals(Channel c) {
        int id = c.connectionId();
        try {
            return kernelSignals.bind(id, () -> channelSignalled(id));
        } catch (RuntimeException e) {
            LOG.debug("VMBus: channel {} signals stay on the exit path: {}", c.relid(), e.getMessage());
            return null;
        }
    }

    /** HvSignalEvent on a channel's connection id: the guest wrote to that channel's ring. */
    public void channelSignalled(int connectionId) {
        Channel c;
        synchronized (this) {
            c = table.present(connectionId - CHANNEL_CONNECTION_BASE).orElse(null);
        }
        // Outside the server's lock: the channel takes its own, and devices may take time.
        if (c != null) {
            c.guestSignalled();
        }
    }

    private boolean connected() {
        if (version == 0) {
            ignored.merge(Ignored.NOT_CONNECTED, 1, Integer::sum);
            return false;
        }
        return true;
    }

    private void initiateContact(byte[] p) {
        if (p.length < ChannelMessage.INITIATE_CONTACT_SIZE) {
            ignored.merge(Ignored.SHORT, 1, Integer::sum);
            return;
        }
        var b = ChannelMessage.le(p);
        int asked = b.getInt(8);
        int vp = b.getInt(12);
        int sint = Integer.compareUnsigned(asked, V5_0) >= 0 ? p[16] & 0xff : DEFAULT_MESSAGE_SINT;
        if (versionsAsked.size() == VERSIONS_REMEMBERED) {
            versionsAsked.removeFirst(); // a guest reconnecting forever must not grow the host
        }
        versionsAsked.add(asked);
        // A new contact starts over (Linux reconnects after kexec): nothing of the old session stays.
        dropRoute();
        version = 0;
        if (sint >= Synic.SINT_COUNT) {
            ignored.merge(Ignored.BAD_TARGET, 1, Integer::sum);
            return;
        }
        Route route;
        try {
            route = routes.open(vp, sint);
        } catch (RuntimeException e) {
            // An unknown VP (or a SynIC the guest has not enabled): there is nobody to answer.
            ignored.merge(Ignored.BAD_TARGET, 1, Integer::sum);
            LOG.debug("VMBus: INITIATE_CONTACT names VP {} SINT {}: {}", vp, sint, e.getMessage());
            return;
        }
        out.routeTo(route);
        messageSint = sint;
        eventRoutes.add(vp, sint, route);
        boolean ok = VERSIONS.contains(asked);
        if (ok) {
            version = asked;
            LOG.debug("VMBus: version {} agreed, host messages to VP {} SINT {}", versionName(asked), vp, sint);
        }
        send(ChannelMessage.versionResponse(ok, asked >= V5_0 ? MESSAGE_CONNECTION_ID_4 : MESSAGE_CONNECTION_ID));
    }

    private void ignore(Ignored why, PostedMessage m) {
        ignored.merge(why, 1, Integer::sum);
        if (LOG.isDebugEnabled()) {
            byte[] p = m.payload();
            LOG.debug("VMBus: ignored ({}) a message of {} bytes from VP {}: {}", why, p.length, m.vpIndex(),
                    HexFormat.of().formatHex(p, 0, Math.min(p.length, 16)));
        }
    }

    private int send(byte[] channelMessage) {
        return out.send(channelMessage);
    }

    private void dropRoute() {
        out.drop();
        table.sessionEnded();
        gpadls.clear();
        eventRoutes.closeAll();
    }

    @Override
    public synchronized void close() {
        closed = true;
        version = 0;
        dropRoute();
    }

}
