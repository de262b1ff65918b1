// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * VMBus channel-management messages: the header every one starts with (u32 message type, u32
 * padding) and the message types, numbered as Linux's {@code enum vmbus_channel_message_type}
 * (include/linux/hyperv.h) and QEMU's vmbus-proto.h number them, with the smallest payload each
 * type must have. Guest messages arrive as HvPostMessage payloads; host messages leave as the
 * payload of a SynIC message.
 */
final class ChannelMessage {
    static final int HEADER_SIZE = 8;

    static final int OFFER_CHANNEL = 1;
    static final int RESCIND_CHANNEL_OFFER = 2;
    static final int REQUEST_OFFERS = 3;
    static final int ALL_OFFERS_DELIVERED = 4;
    static final int OPEN_CHANNEL = 5;
    static final int OPEN_CHANNEL_RESULT = 6;
    static final int CLOSE_CHANNEL = 7;
    static final int GPADL_HEADER = 8;
    static final int GPADL_BODY = 9;
    static final int GPADL_CREATED = 10;
    static final int GPADL_TEARDOWN = 11;
    static final int GPADL_TORNDOWN = 12;
    static final int RELID_RELEASED = 13;
    static final int INITIATE_CONTACT = 14;
    static final int VERSION_RESPONSE = 15;
    static final int UNLOAD = 16;
    static final int UNLOAD_RESPONSE = 17;

    /**
     * INITIATE_CONTACT: version requested @8, target VP @12, then either the interrupt page (before
     * 5.0) or the message SINT @16 (5.0 and later), monitor pages @24 and @32.
     */
    static final int INITIATE_CONTACT_SIZE = 40;
    /** VERSION_RESPONSE: supported (u8) @8, connection state (u8) @9, message connection id @12. */
    static final int VERSION_RESPONSE_SIZE = 16;

    private ChannelMessage() {}

    /** The message type of a guest message, or -1 when it is too short to have a header. */
    static int type(byte[] payload) {
        return payload.length < HEADER_SIZE ? -1 : le(payload).getInt(0);
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A header-only message of {@code type}. */
    static byte[] bare(int type) {
        byte[] m = new byte[HEADER_SIZE];
        le(m).putInt(0, type);
        return m;
    }

    /** OFFERCHANNEL: type and instance GUIDs @8 and @24, user data @60, relid @184, connection id @192. */
    static final int OFFER_CHANNEL_SIZE = 196;
    /** OPENCHANNEL: relid @8, open id @12, ring GPADL @16, target VP @20, downstream page offset @24. */
    static final int OPEN_CHANNEL_SIZE = 28;
    static final int CLOSE_CHANNEL_SIZE = 12;
    static final int GPADL_TEARDOWN_SIZE = 16;

    static byte[] offerChannel(byte[] type, byte[] instance, int relid, int connectionId) {
        byte[] m = new byte[OFFER_CHANNEL_SIZE];
        var b = le(m);
        b.putInt(0, OFFER_CHANNEL).put(8, type).put(24, instance).putInt(184, relid).putInt(192, connectionId);
        return m;
    }

    /** RESCIND_CHANNELOFFER: relid @8. */
    static byte[] rescind(int relid) {
        byte[] m = new byte[12];
        le(m).putInt(0, RESCIND_CHANNEL_OFFER).putInt(8, relid);
        return m;
    }

    static byte[] openResult(int relid, int openId, int status) {
        byte[] m = new byte[20];
        le(m).putInt(0, OPEN_CHANNEL_RESULT).putInt(8, relid).putInt(12, openId).putInt(16, status);
        return m;
    }

    static byte[] gpadlCreated(int relid, int gpadl, int status) {
        byte[] m = new byte[20];
        le(m).putInt(0, GPADL_CREATED).putInt(8, relid).putInt(12, gpadl).putInt(16, status);
        return m;
    }

    static byte[] gpadlTorndown(int gpadl) {
        byte[] m = new byte[12];
        le(m).putInt(0, GPADL_TORNDOWN).putInt(8, gpadl);
        return m;
    }

    /**
     * A GUID in the byte order Windows and Linux (guid_t) store it: the first three fields
     * little-endian, the last eight bytes as written.
     */
    static byte[] guid(String text) {
        String hex = text.replace("-", "");
        if (!text.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
            throw new IllegalArgumentException("not a GUID: " + text);
        }
        byte[] g = new byte[16];
        var b = le(g);
        b.putInt(0, (int) Long.parseLong(hex.substring(0, 8), 16));
        b.putShort(4, (short) Integer.parseInt(hex.substring(8, 12), 16));
        b.putShort(6, (short) Integer.parseInt(hex.substring(12, 16), 16));
        for (int i = 0; i < 8; i++) {
            g[8 + i] = (byte) Integer.parseInt(hex.substring(16 + 2 * i, 18 + 2 * i), 16);
        }
        return g;
    }

    static byte[] versionResponse(boolean supported, int messageConnectionId) {
        byte[] m = new byte[VERSION_RESPONSE_SIZE];
        le(m).putInt(0, VERSION_RESPONSE).put(8, (byte) (supported ? 1 : 0)).putInt(12, messageConnectionId);
        return m;
    }
}
