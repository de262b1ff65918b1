// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus.ic;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jvmm.hyperv.vmbus.Channel;
import org.jvmm.hyperv.vmbus.ChannelDevice;
import org.jvmm.hyperv.vmbus.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An integration service ("IC") as Hyper-V offers them to Linux's hv_utils: every message is a
 * pipe header (flags u32, size u32) and an IC header (framework version @8, message type u16 @12,
 * message version @14, body size u16 @18, status u32 @20, transaction u8 @24, flags u8 @25), then
 * the body at byte 28. When the guest opens the channel the host sends a negotiate message
 * listing one framework version (3.0) and the one service version it speaks; the guest answers
 * with the versions it takes, and from then on the host sends requests and reads responses.
 *
 * <p>The guest's answers are checked for size before any field is read; a response of the wrong
 * type, size or to nothing asked is counted and dropped. Methods run under the channel's lock.
 */
public abstract class IcService implements ChannelDevice {
    private static final Logger LOG = LoggerFactory.getLogger(IcService.class);
    public static final int HEADER = 28;
    static final int NEGOTIATE = 0;
    static final int HEARTBEAT = 1;
    static final int SHUTDOWN = 3;
    static final int TIMESYNC = 4;
    static final int FLAG_TRANSACTION = 1;
    static final int FLAG_REQUEST = 2;
    static final int FLAG_RESPONSE = 4;
    /** UTIL_FW_VERSION: the framework version every current Linux and Windows guest speaks. */
    static final int FRAMEWORK_MAJOR = 3;

    private final int serviceMajor;
    private final int serviceMinor;
    private long nextTransaction = 1;
    private volatile boolean negotiated;
    private volatile int rejected;

    protected IcService(int serviceMajor, int serviceMinor) {
        this.serviceMajor = serviceMajor;
        this.serviceMinor = serviceMinor;
    }

    /** True once the guest agreed on the versions (since the channel was last opened). */
    public boolean negotiated() {
        return negotiated;
    }

    /** Guest packets that were not a well-formed answer (for tests and the census). */
    public int rejected() {
        return rejected;
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void opened(Channel channel) {
        negotiated = false;
        byte[] body = new byte[8 + 8];
        le(body).putShort(0, (short) 1).putShort(2, (short) 1)
                .putShort(8, (short) FRAMEWORK_MAJOR).putShort(10, (short) 0)
                .putShort(12, (short) serviceMajor).putShort(14, (short) serviceMinor);
        send(channel, NEGOTIATE, 0, 0, body);
    }

    @Override
    public void closed(Channel channel) {
        negotiated = false;
    }

    /** Sends a request of IC message type {@code type} with {@code body}. */
    protected boolean send(Channel channel, int type, int major, int minor, byte[] body) {
        byte[] m = new byte[HEADER + body.length];
        le(m).putInt(0, 0).putInt(4, HEADER - 8 + body.length)
                .putShort(8, (short) FRAMEWORK_MAJOR).putShort(10, (short) 0)
                .putShort(12, (short) type).putShort(14, (short) major).putShort(16, (short) minor)
                .putShort(18, (short) body.length);
        m[25] = FLAG_TRANSACTION | FLAG_REQUEST;
        System.arraycopy(body, 0, m, HEADER, body.length);
        return channel.send(nextTransaction++, m);
    }

    /** Sends a service request at the negotiated version. */
    protected boolean sendRequest(Channel channel, int type, byte[] body) {
        return negotiated && send(channel, type, serviceMajor, serviceMinor, body);
    }

    @Override
    public void received(Channel channel, RingBuffer.Packet packet) {
        byte[] d = packet.data();
        if (d.length < HEADER || (d[25] & FLAG_RESPONSE) == 0) {
            rejected++;
            return;
        }
        int type = le(d).getShort(12) & 0xffff;
        int status = le(d).getInt(20);
        if (type == NEGOTIATE) {
            // The guest answers with one framework and one service version, or with zero counts.
            boolean agreed = d.length >= HEADER + 16 && le(d).getShort(HEADER) == 1 && le(d).getShort(HEADER + 2) == 1
                    && (le(d).getShort(HEADER + 12) & 0xffff) == serviceMajor;
            if (!agreed) {
                rejected++;
                LOG.debug("VMBus {}: the guest refused version {}.{}", name(), serviceMajor, serviceMinor);
                return;
            }
            negotiated = true;
            LOG.debug("VMBus {}: version {}.{} agreed", name(), serviceMajor, serviceMinor);
            afterNegotiation(channel);
        } else if (!negotiated || !response(channel, type, status, java.util.Arrays.copyOfRange(d, HEADER, d.length))) {
            rejected++;
        }
    }

    /** The guest agreed on the versions: the service may start its work. */
    protected void afterNegotiation(Channel channel) {}

    /** A response to a request of {@code type}; false when it is not one this service expects. */
    protected abstract boolean response(Channel channel, int type, int status, byte[] body);
}
