// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.jvmm.hyperv.synic.HvConnections;
import org.jvmm.hyperv.synic.HvStatus;
import org.jvmm.hyperv.synic.PostedMessage;
import org.jvmm.hyperv.synic.SintRoute;
import org.jvmm.hyperv.synic.Synic;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.bus.BusDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A guest-driven test device in the manner of QEMU's {@code hyperv-testdev}: 4-byte writes to
 * I/O port {@value #PORT} with SINT in bits 0-7, VP index in 8-15, command in 16-23 and
 * connection id in 24-31. Commands: 1/2 create/destroy a SINT route, 3 raise it, 4/5
 * create/destroy a message connection (each message the guest posts to it comes back into the
 * same SINT), 6/7 create/destroy an event connection (SignalEvent on it sets the event flag whose
 * number is the connection id). Bad commands are logged and ignored: the guest is hostile.
 */
public final class HvTestDevice implements BusDevice {
    public static final int PORT = 0x3000;
    static final int SINT_ROUTE_CREATE = 1;
    static final int SINT_ROUTE_DESTROY = 2;
    static final int SINT_ROUTE_SET_SINT = 3;
    static final int MSG_CONN_CREATE = 4;
    static final int MSG_CONN_DESTROY = 5;
    static final int EVT_CONN_CREATE = 6;
    static final int EVT_CONN_DESTROY = 7;
    private static final Logger LOG = LoggerFactory.getLogger(HvTestDevice.class);

    /** Creates the SINT route to (VP index, SINT); throws for a VP or SINT that does not exist. */
    @FunctionalInterface
    public interface RouteFactory {
        SintRoute create(int vpIndex, int sint);
    }

    private final HvConnections connections;
    private final RouteFactory routeFactory;
    private final Map<Integer, SintRoute> routes = new HashMap<>();
    private final Map<Integer, SintRoute> messageConnections = new HashMap<>();
    private final Map<Integer, SintRoute> eventConnections = new HashMap<>();

    /** Drives {@code hv}'s SINT routes and connections. */
    public HvTestDevice(HypervExtension hv) {
        this(hv.connections(), hv::sintRoute);
    }

    public HvTestDevice(HvConnections connections, RouteFactory routeFactory) {
        this.connections = connections;
        this.routeFactory = routeFactory;
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int sint = (int) (value & 0xFF);
        int vp = (int) (value >>> 8) & 0xFF;
        int cmd = (int) (value >>> 16) & 0xFF;
        int conn = (int) (value >>> 24) & 0xFF;
        int key = vp << 8 | sint;
        try {
            switch (cmd) {
                case SINT_ROUTE_CREATE -> {
                    if (!routes.containsKey(key)) {
                        routes.put(key, routeFactory.create(vp, sint));
                    }
                }
                case SINT_ROUTE_DESTROY -> closeIfPresent(routes.remove(key));
                case SINT_ROUTE_SET_SINT -> {
                    SintRoute r = routes.get(key);
                    if (r != null) {
                        r.raise();
                    }
                }
                case MSG_CONN_CREATE -> {
                    SintRoute r = routeFactory.create(vp, sint);
                    try {
                        connections.addMessageHandler(conn, msg -> echo(r, msg));
                    } catch (VmmException e) {
                        r.close();
                        throw e;
                    }
                    messageConnections.put(conn, r);
                }
                case MSG_CONN_DESTROY -> {
                    connections.removeMessageHandler(conn);
                    closeIfPresent(messageConnections.remove(conn));
                }
                case EVT_CONN_CREATE -> {
                    SintRoute r = routeFactory.create(vp, sint);
                    try {
                        connections.addEventHandler(conn, id -> r.setEventFlag(id));
                    } catch (VmmException e) {
                        r.close();
                        throw e;
                    }
                    eventConnections.put(conn, r);
                }
                case EVT_CONN_DESTROY -> {
                    connections.removeEventHandler(conn);
                    closeIfPresent(eventConnections.remove(conn));
                }
                default -> LOG.warn("hv test device: unknown command {} (0x{})", cmd, Long.toHexString(value));
            }
        } catch (VmmException | IllegalArgumentException | IllegalStateException e) {
            LOG.warn("hv test device: command 0x{} failed: {}", Long.toHexString(value), e.getMessage());
        }
    }

    /** Sends the guest's message back as an hv_message into the connection's SINT. */
    private static int echo(SintRoute route, PostedMessage msg) {
        byte[] m = new byte[Synic.SLOT_SIZE];
        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, msg.messageType());
        m[4] = (byte) msg.payload().length;
        System.arraycopy(msg.payload(), 0, m, 16, msg.payload().length);
        return switch (route.post(m)) {
            // As QEMU: the call succeeds once the message is staged; a busy slot or a missing page
            // only shows later, on the vCPU thread (BUSY is delivered after the guest's EOM).
            case QUEUED, POSTED, BUSY, NO_PAGE -> HvStatus.SUCCESS;
            case ROUTE_BUSY, STOPPED -> HvStatus.INSUFFICIENT_BUFFERS;
        };
    }

    private static void closeIfPresent(SintRoute r) {
        if (r != null) {
            r.close();
        }
    }
}
