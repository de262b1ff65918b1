// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import static org.jvmm.hyperv.vmbus.VmbusFuzzTarget.HIGH;
import static org.jvmm.hyperv.vmbus.VmbusFuzzTarget.HIGH_BASE;
import static org.jvmm.hyperv.vmbus.VmbusFuzzTarget.LOW;
import static org.jvmm.hyperv.vmbus.VmbusFuzzTarget.PAGE;
import static org.jvmm.hyperv.vmbus.VmbusFuzzTarget.RING_PAGE;

import java.util.List;
import org.jvmm.vmm.fuzz.FuzzInput;

/**
 * What {@link VmbusFuzzTarget}'s guest sends, built from the fuzz input: channel messages of each
 * type, IC service answers, balloon messages, and the addresses it names (SynIC pages, hypercall
 * inputs) in and around guest RAM. Well-formed often enough to get deep, damaged often enough to
 * test the checks.
 */
final class VmbusFuzzMessages {
    private VmbusFuzzMessages() {}

    /** A channel message of a type the input picks, with fields from the input. */
    static byte[] message(FuzzInput in) {
        int relid = 1 + in.pick(5);
        int gpadl = 0xE1E10 + in.pick(3);
        byte[] p = switch (in.pick(10)) {
            case 0 -> {
                byte[] b = new byte[ChannelMessage.INITIATE_CONTACT_SIZE];
                int version = in.pick(4) == 0 ? in.u32() : VmbusServer.VERSIONS.get(in.pick(VmbusServer.VERSIONS.size()));
                ChannelMessage.le(b).putInt(0, ChannelMessage.INITIATE_CONTACT).putInt(8, version)
                        .putInt(12, in.pick(4) == 0 ? in.edgy32() : in.pick(2));
                b[16] = (byte) (in.pick(4) == 0 ? in.u8() : 2);
                yield b;
            }
            case 1 -> ChannelMessage.bare(ChannelMessage.REQUEST_OFFERS);
            case 2, 3 -> {
                int pages = in.pick(4) == 0 ? 1 + in.pick(80) : 8;
                long[] pfns = new long[pages];
                long first = in.pick(8) == 0 ? in.edgy64() : RING_PAGE + 8L * in.pick(6);
                for (int i = 0; i < pages; i++) {
                    pfns[i] = in.pick(16) == 0 ? in.edgy64() : first + i;
                }
                List<byte[]> msgs = GuestSide.gpadlMessages(relid, gpadl, pfns);
                yield msgs.get(in.pick(8) == 0 ? in.pick(msgs.size()) : 0);
            }
            case 4 -> {
                byte[] b = new byte[ChannelMessage.OPEN_CHANNEL_SIZE];
                ChannelMessage.le(b).putInt(0, ChannelMessage.OPEN_CHANNEL).putInt(8, relid).putInt(12, in.u8())
                        .putInt(16, gpadl).putInt(20, in.pick(4) == 0 ? in.edgy32() : in.pick(2))
                        .putInt(24, in.pick(4) == 0 ? in.edgy32() : 4);
                yield b;
            }
            case 5 -> {
                byte[] b = new byte[ChannelMessage.CLOSE_CHANNEL_SIZE];
                ChannelMessage.le(b).putInt(0, in.bool() ? ChannelMessage.CLOSE_CHANNEL : ChannelMessage.RELID_RELEASED)
                        .putInt(8, in.pick(4) == 0 ? in.edgy32() : relid);
                yield b;
            }
            case 6 -> {
                byte[] b = new byte[ChannelMessage.GPADL_TEARDOWN_SIZE];
                ChannelMessage.le(b).putInt(0, ChannelMessage.GPADL_TEARDOWN).putInt(8, relid).putInt(12, gpadl);
                yield b;
            }
            case 7 -> ChannelMessage.bare(ChannelMessage.UNLOAD);
            case 8 -> ChannelMessage.bare(in.edgy32());
            default -> in.bytes(240);
        };
        if (in.pick(4) == 0) {
            // Damage a field or cut the message short.
            if (in.bool() && p.length > 0) {
                p[in.pick(p.length)] = (byte) in.u8();
            } else {
                p = java.util.Arrays.copyOf(p, in.pick(p.length + 1));
            }
        }
        return p;
    }

    /** A guest answer to an IC service: the 28-byte header, then a negotiate or service body. */
    static byte[] icMessage(FuzzInput in) {
        byte[] body = in.bytes(32);
        int type = in.pick(6);
        if (type == 0 && body.length >= 16 && in.bool()) {
            ChannelMessage.le(body).putShort(0, (short) 1).putShort(2, (short) 1).putShort(12, (short) in.pick(5));
        }
        byte[] m = new byte[28 + body.length];
        ChannelMessage.le(m).putInt(4, 20 + body.length).putShort(8, (short) 3).putShort(12, (short) type)
                .putShort(14, (short) in.pick(5)).putShort(18, (short) body.length).putInt(20, in.pick(4) == 0 ? in.u32() : 0);
        m[25] = (byte) (in.pick(4) == 0 ? in.u8() : 5);
        System.arraycopy(body, 0, m, 28, body.length);
        return m;
    }

    /** A guest message to the balloon: version, capabilities, status, or pages given back. */
    static byte[] dmMessage(FuzzInput in) {
        int type = in.pick(new Integer[] {1, 3, 5, 7, 9, in.pick(16)});
        byte[] m = new byte[16 + 8 * in.pick(8) + (in.pick(4) == 0 ? in.pick(32) : 0)];
        var b = ChannelMessage.le(m).putShort(0, (short) type)
                .putShort(2, (short) (in.pick(8) == 0 ? in.u16() : m.length)).putInt(4, in.u32());
        switch (type) {
            case 1 -> b.putInt(8, in.pick(4) == 0 ? in.u32() : in.bool() ? 2 << 16 : 1 << 16);
            case 3 -> {
                if (m.length >= 32) {
                    b.putLong(8, in.pick(4) == 0 ? in.u64() : 1);
                }
            }
            case 7 -> {
                int ranges = (m.length - 16) / 8;
                b.putInt(12, (in.pick(4) == 0 ? in.u32() : ranges << 1) | (in.bool() ? 1 : 0));
                for (int i = 0; i < ranges; i++) {
                    long start = in.pick(4) == 0 ? in.edgy64() & ((1L << 40) - 1) : 128 + in.pick(400);
                    long n = in.pick(4) == 0 ? in.u32() & 0xffffff : 1 + in.pick(16);
                    b.putLong(16 + 8 * i, start | n << 40);
                }
            }
            default -> {
                for (int i = 8; i < m.length; i++) {
                    m[i] = (byte) in.u8();
                }
            }
        }
        return m;
    }

    /** A SynIC page register value: enabled pages in and around RAM, or anything. */
    static long pageValue(FuzzInput in) {
        long page = switch (in.pick(6)) {
            case 0 -> 0x10000;
            case 1 -> 0x11000;
            case 2 -> LOW - PAGE;
            case 3 -> LOW;              // the hole
            case 4 -> HIGH_BASE + HIGH - PAGE;
            default -> in.edgy64() & ~0xfffL;
        };
        return page | (in.pick(4) == 0 ? 0 : 1);
    }

    static long address(FuzzInput in) {
        return switch (in.pick(5)) {
            case 0 -> LOW - 256 + in.pick(512);
            case 1 -> HIGH_BASE - 16 + in.pick(64);
            case 2 -> HIGH_BASE + HIGH - 256 + in.pick(512);
            case 3 -> in.edgy64();
            default -> 0x4000 + in.pick(PAGE);
        };
    }
}
