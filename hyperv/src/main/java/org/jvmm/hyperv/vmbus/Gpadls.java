// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * Guest physical address descriptor lists: the page lists a guest hands the host for memory they
 * share (ring buffers), built from a GPADL_HEADER and as many GPADL_BODY messages as its page
 * numbers need. Only the one-range form Linux and Windows use for ring buffers is accepted; every
 * count, length and page number is checked before it is believed, and a GPADL whose pages are not
 * all guest RAM is refused (the guest hears a non-zero status in GPADL_CREATED).
 */
final class Gpadls {
    static final int PAGE = 4096;
    /** GPADL_HEADER: relid @8, gpadl id @12, range_buflen u16 @16, rangecount u16 @18, range @20. */
    static final int HEADER_FIXED = 20;
    /** gpa_range: byte_count u32, byte_offset u32, then the page numbers. */
    static final int RANGE_FIXED = 8;
    /** GPADL_BODY: message number @8, gpadl id @12, page numbers @16. */
    static final int BODY_FIXED = 16;
    /** A bound on one GPADL (64 MiB of pages): ring buffers are far smaller, a guest gets no more. */
    static final int MAX_PAGES = 16384;
    /** How many GPADLs one guest may hold at once. */
    static final int MAX_GPADLS = 256;

    /** A complete GPADL: its pages, all guest RAM, in order. */
    record Gpadl(int id, int relid, long[] pfns) {
        long gpa(int page) {
            return pfns[page] * PAGE;
        }
    }

    /** A GPADL still collecting page numbers from GPADL_BODY messages. */
    private static final class Pending {
        final int id;
        final int relid;
        final long[] pfns;
        int filled;

        Pending(int id, int relid, int count) {
            this.id = id;
            this.relid = relid;
            this.pfns = new long[count];
        }
    }

    /** The answer to a header or body: empty while more pages are due, else created or refused. */
    record Outcome(int id, int relid, boolean created) {}

    private final GuestMemory memory;
    private final Map<Integer, Pending> pending = new HashMap<>();
    private final Map<Integer, Gpadl> complete = new HashMap<>();

    Gpadls(GuestMemory memory) {
        this.memory = memory;
    }

    /** GPADL_HEADER; empty when the message is malformed (it is ignored) or more pages follow. */
    Optional<Outcome> header(byte[] p) {
        if (p.length < HEADER_FIXED + RANGE_FIXED) {
            return Optional.empty();
        }
        ByteBuffer b = ChannelMessage.le(p);
        int relid = b.getInt(8);
        int id = b.getInt(12);
        int rangeBuflen = b.getShort(16) & 0xffff;
        int rangeCount = b.getShort(18) & 0xffff;
        long byteCount = b.getInt(20) & 0xffffffffL;
        long byteOffset = b.getInt(24) & 0xffffffffL;
        if (pending.containsKey(id) || complete.containsKey(id)) {
            return Optional.of(new Outcome(id, relid, false)); // a handle still in use
        }
        // One range, page-aligned, whose page count is what range_buflen says it holds.
        int pages = (rangeBuflen - RANGE_FIXED) / 8;
        if (rangeCount != 1 || rangeBuflen < RANGE_FIXED + 8 || (rangeBuflen - RANGE_FIXED) % 8 != 0
                || pages > MAX_PAGES || byteOffset != 0 || byteCount != (long) pages * PAGE
                || pending.size() + complete.size() >= MAX_GPADLS) {
            return Optional.of(new Outcome(id, relid, false));
        }
        Pending g = new Pending(id, relid, pages);
        int here = Math.min(pages, (p.length - HEADER_FIXED - RANGE_FIXED) / 8);
        for (int i = 0; i < here; i++) {
            g.pfns[g.filled++] = b.getLong(HEADER_FIXED + RANGE_FIXED + 8 * i);
        }
        return finishOrWait(g);
    }

    /** GPADL_BODY: more page numbers for a pending GPADL. */
    Optional<Outcome> body(byte[] p) {
        if (p.length < BODY_FIXED + 8) {
            return Optional.empty();
        }
        ByteBuffer b = ChannelMessage.le(p);
        Pending g = pending.remove(b.getInt(12));
        if (g == null) {
            return Optional.empty(); // a body for nothing: ignored, as Hyper-V does
        }
        int here = Math.min(g.pfns.length - g.filled, (p.length - BODY_FIXED) / 8);
        for (int i = 0; i < here; i++) {
            g.pfns[g.filled++] = b.getLong(BODY_FIXED + 8 * i);
        }
        return finishOrWait(g);
    }

    private Optional<Outcome> finishOrWait(Pending g) {
        if (g.filled < g.pfns.length) {
            pending.put(g.id, g);
            return Optional.empty();
        }
        for (long pfn : g.pfns) {
            if (pfn < 0 || pfn > (Long.MAX_VALUE / PAGE) || !memory.isRam(pfn * PAGE, PAGE)) {
                return Optional.of(new Outcome(g.id, g.relid, false));
            }
        }
        complete.put(g.id, new Gpadl(g.id, g.relid, g.pfns));
        return Optional.of(new Outcome(g.id, g.relid, true));
    }

    Optional<Gpadl> get(int id) {
        return Optional.ofNullable(complete.get(id));
    }

    /** GPADL_TEARDOWN: true when there was such a GPADL (pending or complete). */
    boolean teardown(int id) {
        return complete.remove(id) != null | pending.remove(id) != null;
    }

    /** Forgets every GPADL of channel {@code relid}, which the guest has released for good. */
    void dropRelid(int relid) {
        pending.values().removeIf(g -> g.relid == relid);
        complete.values().removeIf(g -> g.relid() == relid);
    }

    void clear() {
        pending.clear();
        complete.clear();
    }
}
