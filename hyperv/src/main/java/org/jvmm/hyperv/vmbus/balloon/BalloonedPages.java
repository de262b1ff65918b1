// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus.balloon;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The guest pages in the balloon: disjoint ranges of guest page numbers the guest gave up. A
 * range the guest reports is taken only if it lies in guest RAM and overlaps nothing already in
 * the balloon: a guest that reports a page twice, or pages it does not have, gets nothing back
 * for them, and the host never frees a page twice.
 */
final class BalloonedPages {
    /** start page to page count, disjoint. */
    private final TreeMap<Long, Long> ranges = new TreeMap<>();
    private long pages;

    long pages() {
        return pages;
    }

    /** True when {@code [start, start+count)} overlaps no range already in the balloon. */
    boolean free(long start, long count) {
        Map.Entry<Long, Long> below = ranges.floorEntry(start + count - 1);
        return below == null || below.getKey() + below.getValue() <= start;
    }

    void add(long start, long count) {
        ranges.put(start, count);
        pages += count;
    }

    /**
     * Takes up to {@code want} pages out of the balloon, highest addresses first (the guest had
     * given those last), as ranges of at most {@code maxRangePages} pages each.
     */
    List<long[]> take(long want, long maxRangePages) {
        List<long[]> out = new ArrayList<>();
        while (want > 0 && !ranges.isEmpty()) {
            Map.Entry<Long, Long> last = ranges.lastEntry();
            long n = Math.min(Math.min(want, last.getValue()), maxRangePages);
            long start = last.getKey() + last.getValue() - n;
            if (n == last.getValue()) {
                ranges.remove(last.getKey());
            } else {
                ranges.put(last.getKey(), last.getValue() - n);
            }
            out.add(new long[] {start, n});
            pages -= n;
            want -= n;
        }
        return out;
    }

    void clear() {
        ranges.clear();
        pages = 0;
    }
}
