// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.util.Optional;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * One direction of a channel's ring buffer pair, seen from the host, in guest pages that need not
 * be contiguous: a control page (write index @0, read index @4, interrupt mask @8, pending send
 * size @12, feature bits @64) followed by the data pages, in which the indices are byte offsets.
 * Packets are the VMBus packet descriptor (type u16, data offset and total length in 8-byte units,
 * flags u16, transaction id u64), the data, padding to 8 bytes, and an 8-byte trailer holding the
 * writer's previous write index in its upper half (Linux's hv_ringbuffer_write).
 *
 * <p>The guest owns one index of each ring and can write anything into it at any time: every
 * index and length read from guest memory is checked against the ring before it is used, and a
 * ring whose indices make no sense is reported {@link Corrupt} instead of being trusted. Callers
 * serialize access (the channel's lock).
 */
public final class RingBuffer {
    static final int PAGE = Gpadls.PAGE;
    static final int WRITE_INDEX = 0;
    static final int READ_INDEX = 4;
    static final int INTERRUPT_MASK = 8;
    static final int PENDING_SEND_SIZE = 12;
    static final int DESCRIPTOR = 16;
    static final int TRAILER = 8;
    /** VM_PKT_DATA_INBAND: data carried in the packet itself. */
    static final int PACKET_DATA_INBAND = 6;

    /** The guest broke the ring's invariants; the channel stops using it. */
    static final class Corrupt extends Exception {
        Corrupt(String message) {
            super(message, null, false, false);
        }
    }

    /** A received packet: its descriptor fields and its data (after the descriptor). */
    public record Packet(int type, int flags, long transactionId, byte[] data) {}

    private final GuestMemory memory;
    private final long[] pageGpas;
    private final int dataSize;

    /** The ring in {@code pageGpas}: the control page, then at least one data page. */
    RingBuffer(GuestMemory memory, long[] pageGpas) {
        if (pageGpas.length < 2) {
            throw new IllegalArgumentException("a ring needs a control page and a data page");
        }
        this.memory = memory;
        this.pageGpas = pageGpas.clone();
        this.dataSize = (pageGpas.length - 1) * PAGE;
    }

    private int control(int offset) {
        return memory.readInt(pageGpas[0] + offset);
    }

    private void setControl(int offset, int value) {
        memory.writeInt(pageGpas[0] + offset, value);
    }

    private int index(int offset) throws Corrupt {
        int v = control(offset);
        if (v < 0 || v >= dataSize || (v & 7) != 0) {
            throw new Corrupt("ring index 0x%x outside its %d data bytes".formatted(v, dataSize));
        }
        return v;
    }

    /** True when the reader of this ring asked not to be interrupted (it is polling). */
    boolean interruptMasked() {
        return control(INTERRUPT_MASK) != 0;
    }

    /** Copies {@code len} bytes from data offset {@code at} (wrapping) into {@code dst[off..]}. */
    private void copyOut(int at, byte[] dst, int off, int len) {
        int pos = at;
        int done = 0;
        while (done < len) {
            int page = pos / PAGE;
            int in = pos % PAGE;
            int n = Math.min(len - done, PAGE - in);
            byte[] chunk = memory.read(pageGpas[1 + page] + in, n);
            System.arraycopy(chunk, 0, dst, off + done, n);
            done += n;
            pos = (pos + n) % dataSize;
        }
    }

    private void copyIn(int at, byte[] src) {
        int pos = at;
        int done = 0;
        while (done < src.length) {
            int page = pos / PAGE;
            int in = pos % PAGE;
            int n = Math.min(src.length - done, PAGE - in);
            byte[] chunk = new byte[n];
            System.arraycopy(src, done, chunk, 0, n);
            memory.write(pageGpas[1 + page] + in, chunk);
            done += n;
            pos = (pos + n) % dataSize;
        }
    }

    /**
     * Host as reader: the next packet, if there is one, and the read index moved past it. Returns
     * empty when the ring is empty; throws {@link Corrupt} for indices or a descriptor that do not
     * fit what the guest wrote.
     */
    Optional<Packet> read() throws Corrupt {
        int write = index(WRITE_INDEX);
        int read = index(READ_INDEX);
        int available = Math.floorMod(write - read, dataSize);
        if (available == 0) {
            return Optional.empty();
        }
        byte[] d = new byte[DESCRIPTOR];
        copyOut(read, d, 0, DESCRIPTOR);
        var b = ChannelMessage.le(d);
        int type = b.getShort(0) & 0xffff;
        int offset = (b.getShort(2) & 0xffff) * 8;
        int length = (b.getShort(4) & 0xffff) * 8;
        if (offset < DESCRIPTOR || length < offset || length + TRAILER > available) {
            throw new Corrupt("packet (offset %d, length %d) does not fit the %d bytes written".formatted(offset, length, available));
        }
        byte[] data = new byte[length - offset];
        copyOut((read + offset) % dataSize, data, 0, data.length);
        setControl(READ_INDEX, (read + length + TRAILER) % dataSize);
        return Optional.of(new Packet(type, b.getShort(6) & 0xffff, b.getLong(8), data));
    }

    /**
     * Host as writer: one in-band packet carrying {@code data}, or false when the ring lacks room
     * (the writer must always leave at least one byte free, or a full ring would look empty).
     * Returns whether the reader wants an interrupt for it.
     */
    Optional<Boolean> write(int flags, long transactionId, byte[] data) throws Corrupt {
        int padded = (data.length + 7) & ~7;
        int length = DESCRIPTOR + padded;
        if (length > 0xffff * 8) {
            throw new IllegalArgumentException("packet of " + data.length + " bytes is too large");
        }
        int write = index(WRITE_INDEX);
        int read = index(READ_INDEX);
        int free = dataSize - Math.floorMod(write - read, dataSize);
        if (length + TRAILER >= free) {
            return Optional.empty();
        }
        byte[] pkt = new byte[length + TRAILER];
        var b = ChannelMessage.le(pkt);
        b.putShort(0, (short) PACKET_DATA_INBAND).putShort(2, (short) (DESCRIPTOR / 8))
                .putShort(4, (short) (length / 8)).putShort(6, (short) flags).putLong(8, transactionId);
        System.arraycopy(data, 0, pkt, DESCRIPTOR, data.length);
        b.putLong(length, (long) write << 32);
        copyIn(write, pkt);
        // The index moves only after the packet is in place: the guest reads it as "go".
        java.lang.invoke.VarHandle.fullFence();
        setControl(WRITE_INDEX, (write + pkt.length) % dataSize);
        java.lang.invoke.VarHandle.fullFence();
        // Linux interrupts its reader only when the ring was empty; the same rule here, unless masked.
        return Optional.of(!interruptMasked() && write == read);
    }

    /** Bytes the reader has not consumed yet. */
    int used() throws Corrupt {
        return Math.floorMod(index(WRITE_INDEX) - index(READ_INDEX), dataSize);
    }

    /**
     * After the host read from this ring: whether the guest (the writer) is waiting for room it
     * now has, by the pending-send-size protocol (feature bit 0), and so must be signalled.
     */
    boolean writerWaitsAndHasRoom() throws Corrupt {
        int pending = control(PENDING_SEND_SIZE);
        return pending != 0 && dataSize - used() > pending;
    }
}
