// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRegion;

/**
 * What a Linux guest does on its side of VMBus, written from the protocol (not from jvmm's code),
 * so the host side can be tested against an independent implementation: GPADL messages for a
 * ring buffer, and packets written to and read from a ring as drivers/hv/ring_buffer.c does.
 */
final class GuestSide {
    static final int PAGE = 4096;

    static GuestMemory memory(int mib) {
        return GuestMemory.of(List.of(new GuestRegion(0, Arena.ofAuto().allocate((long) mib << 20, PAGE))));
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** GPADL_HEADER (and GPADL_BODY messages) for one range of {@code pfns}, as Linux splits them. */
    static List<byte[]> gpadlMessages(int relid, int id, long[] pfns) {
        int inHeader = Math.min(pfns.length, (240 - 28) / 8);
        byte[] h = new byte[28 + 8 * inHeader];
        le(h).putInt(0, ChannelMessage.GPADL_HEADER).putInt(8, relid).putInt(12, id)
                .putShort(16, (short) (8 + 8 * pfns.length)).putShort(18, (short) 1)
                .putInt(20, pfns.length * PAGE).putInt(24, 0);
        for (int i = 0; i < inHeader; i++) {
            le(h).putLong(28 + 8 * i, pfns[i]);
        }
        List<byte[]> out = new java.util.ArrayList<>(List.of(h));
        for (int at = inHeader, n = 1; at < pfns.length; n++) {
            int here = Math.min(pfns.length - at, (240 - 16) / 8);
            byte[] b = new byte[16 + 8 * here];
            le(b).putInt(0, ChannelMessage.GPADL_BODY).putInt(8, n).putInt(12, id);
            for (int i = 0; i < here; i++) {
                le(b).putLong(16 + 8 * i, pfns[at + i]);
            }
            out.add(b);
            at += here;
        }
        return out;
    }

    /** A ring as the guest sees it: control page at {@code gpa}, data pages after it. */
    record Ring(GuestMemory mem, long gpa, int pages) {
        int size() {
            return (pages - 1) * PAGE;
        }

        int writeIndex() {
            return mem.readInt(gpa);
        }

        int readIndex() {
            return mem.readInt(gpa + 4);
        }

        void put(int offset, byte[] bytes) {
            for (int i = 0; i < bytes.length; i++) {
                mem.writeByte(gpa + PAGE + (offset + i) % size(), bytes[i]);
            }
        }

        byte[] get(int offset, int len) {
            byte[] b = new byte[len];
            for (int i = 0; i < len; i++) {
                b[i] = mem.readByte(gpa + PAGE + (offset + i) % size());
            }
            return b;
        }

        /** Writes an in-band packet as the guest's hv_ringbuffer_write does; false when full. */
        boolean write(long transactionId, byte[] data) {
            int padded = (data.length + 7) & ~7;
            int len = 16 + padded;
            int w = writeIndex();
            int free = size() - Math.floorMod(w - readIndex(), size());
            if (len + 8 >= free) {
                return false;
            }
            byte[] p = new byte[len + 8];
            le(p).putShort(0, (short) 6).putShort(2, (short) 2).putShort(4, (short) (len / 8)).putLong(8, transactionId);
            System.arraycopy(data, 0, p, 16, data.length);
            le(p).putLong(len, (long) w << 32);
            put(w, p);
            mem.writeInt(gpa, (w + p.length) % size());
            return true;
        }

        /** Reads the next packet's data (after its descriptor), or null when the ring is empty. */
        byte[] read() {
            int r = readIndex();
            if (r == writeIndex()) {
                return null;
            }
            byte[] d = get(r, 16);
            int off = (le(d).getShort(2) & 0xffff) * 8;
            int len = (le(d).getShort(4) & 0xffff) * 8;
            byte[] data = get(r + off, len - off);
            mem.writeInt(gpa + 4, (r + len + 8) % size());
            return data;
        }
    }
}
