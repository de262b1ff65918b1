// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus.balloon;

import java.util.Optional;
import java.util.TreeMap;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.memory.HotplugArea;

/**
 * The hot-add half of dynamic memory: growing a guest beyond its boot size. The host maps more RAM
 * ({@link HotplugArea}, in 128 MiB chunks) and sends DM_MEM_HOT_ADD_REQUEST with one page range
 * (start page in the low 40 bits, count in the high 24); Linux's hv_balloon adds the 128 MiB
 * memory blocks around it (its ha_region), onlines the pages the range covers, and answers
 * DM_MEM_HOT_ADD_RESPONSE with the pages it took and a result: pages &gt; 0 is success; none with
 * result 1 means "never again" (the guest cannot hot-add), none with result 0 "not now".
 *
 * <p>Ranges are offered in order, each starting where the last one ended, so a guest extends the
 * region it already has. A range the guest took only in part is not offered again (the guest
 * may hold the rest in a half-added block); a transient failure offers the same range again.
 * The guest is hostile: a response with more pages than offered or an unknown result counts
 * nothing and stops hot-add for good; a short one, or one nobody asked for, is ignored (and
 * counted by the caller as rejected). Not thread-safe: the caller
 * ({@link DynamicMemory}) holds its channel's lock.
 */
final class HotAdd {
    static final int REQUEST = 10;
    static final int RESPONSE = 11;
    static final int REQUEST_SIZE = 16;
    /** Header, then page_count and result, both u32. */
    static final int RESPONSE_SIZE = 16;
    /** The capabilities' hot_add bit, and its alignment field: 2^n MiB in bits 2..5. */
    static final long CAP_HOT_ADD = 2;
    static final int PAGE = DynamicMemory.PAGE;
    /** Transient failures in a row before the host stops asking until the next target. */
    static final int MAX_RETRIES = 3;

    /** What a guest's response means for the caller. */
    enum Outcome { ADDED, RETRY, REFUSED, REJECTED }

    private final HotplugArea area;
    /** Pages the guest took, start page to count, disjoint, adjacent ones merged. */
    private final TreeMap<Long, Long> taken = new TreeMap<>();
    private boolean guestCan;
    private boolean refused;
    private boolean pending;
    private long nextPage;
    private long askedStart;
    private long askedPages;
    private long addedPages;
    private int retries;

    HotAdd(Optional<HotplugArea> area) {
        this.area = area.orElse(null);
        this.nextPage = this.area == null ? 0 : this.area.base() / PAGE;
    }

    /**
     * What the guest's capabilities report says; a guest that asks for a coarser alignment than
     * the area's chunks is never offered memory.
     */
    void capabilities(long caps) {
        long alignMiB = 1L << ((caps >>> 2) & 0xf);
        guestCan = area != null && (caps & CAP_HOT_ADD) != 0 && (alignMiB << 20) <= HotplugArea.CHUNK;
    }

    /** True when the host may offer this guest memory now or later. */
    boolean usable() {
        return guestCan && !refused;
    }

    boolean pending() {
        return pending;
    }

    /** Pages the guest has taken so far. */
    long addedPages() {
        return addedPages;
    }

    /**
     * True when {@code [start, start+count)} (in guest RAM, checked by the caller) is memory the
     * guest was given: boot RAM, or pages it took by hot-add (Linux onlines a range from its start,
     * so a partial answer covers the first pages). Mapped pages it never took are not its to
     * balloon: counting them would let a hostile guest drive its size below zero.
     */
    boolean given(long start, long count) {
        if (area == null || start + count <= area.base() / PAGE) {
            return true;
        }
        var below = taken.floorEntry(start);
        return below != null && start + count <= below.getKey() + below.getValue();
    }

    /** How many pages the guest may gain in all (what it took, plus what is left to offer if it can). */
    long maxPages() {
        if (!usable()) {
            return addedPages;
        }
        return addedPages + (area.base() + area.limit()) / PAGE - nextPage;
    }

    /** A new target: transient failures are forgotten. */
    void newTarget() {
        retries = 0;
    }

    /**
     * The request for up to {@code wantPages} more pages, plugging host memory for it first; empty
     * when nothing can be asked now (not usable, one outstanding, nothing left, or the host
     * refused the memory: then hot-add stops).
     */
    Optional<Long> request(long wantPages, long maxRangePages) {
        if (!usable() || pending || wantPages <= 0 || retries > MAX_RETRIES) {
            return Optional.empty();
        }
        long pages = Math.min(Math.min(wantPages, maxRangePages), (area.base() + area.limit()) / PAGE - nextPage);
        if (pages <= 0) {
            return Optional.empty();
        }
        long end = (nextPage + pages) * PAGE;
        long mapped = area.base() + area.plugged();
        if (end > mapped) {
            try {
                area.plug((end - mapped + HotplugArea.CHUNK - 1) & -HotplugArea.CHUNK);
            } catch (VmmException e) {
                refused = true;
                throw e;
            }
        }
        askedStart = nextPage;
        askedPages = pages;
        pending = true;
        return Optional.of(nextPage | pages << 40);
    }

    /** The request could not be sent: nothing is outstanding. */
    void unsent() {
        pending = false;
    }

    /** The guest's DM_MEM_HOT_ADD_RESPONSE ({@code size} bytes of {@code d} are the message). */
    Outcome response(byte[] d, int size) {
        if (!pending || size < RESPONSE_SIZE) {
            return Outcome.REJECTED; // a stray or short answer changes nothing
        }
        pending = false;
        var b = DynamicMemory.le(d);
        long pages = b.getInt(8) & 0xffffffffL;
        int result = b.getInt(12);
        if (pages > askedPages || (result != 0 && result != 1)) {
            refused = true;
            return Outcome.REJECTED;
        }
        if (pages > 0) {
            addedPages += pages;
            var before = taken.floorEntry(askedStart);
            if (before != null && before.getKey() + before.getValue() == askedStart) {
                taken.put(before.getKey(), before.getValue() + pages);
            } else {
                taken.put(askedStart, pages);
            }
            nextPage = askedStart + askedPages;
            retries = 0;
            return Outcome.ADDED;
        }
        if (result == 1 || ++retries > MAX_RETRIES) {
            refused = result == 1;
            return Outcome.REFUSED;
        }
        return Outcome.RETRY;
    }
}
