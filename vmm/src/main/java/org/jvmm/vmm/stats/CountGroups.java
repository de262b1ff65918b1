// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts in named groups ({@code "exits"}, {@code "pio"}, {@code "msr"}, an extension's own):
 * group → key → count. Immutable once built; groups and keys iterate in sorted order, so output
 * built from it is stable from run to run.
 */
public record CountGroups(Map<String, Map<String, Long>> groups) {
    public static final CountGroups EMPTY = new CountGroups(Map.of());

    public CountGroups {
        TreeMap<String, Map<String, Long>> copy = new TreeMap<>();
        groups.forEach((g, counts) -> {
            if (!counts.isEmpty()) {
                copy.put(g, Collections.unmodifiableMap(new TreeMap<>(counts)));
            }
        });
        groups = Collections.unmodifiableMap(copy);
    }

    /** The count of {@code key} in {@code group}, 0 if absent. */
    public long get(String group, String key) {
        return groups.getOrDefault(group, Map.of()).getOrDefault(key, 0L);
    }

    /** The sum of this and {@code other}, key by key. */
    public CountGroups plus(CountGroups other) {
        TreeMap<String, Map<String, Long>> sum = new TreeMap<>();
        for (CountGroups c : new CountGroups[] {this, other}) {
            c.groups.forEach((g, counts) -> counts.forEach(
                    (k, n) -> sum.computeIfAbsent(g, x -> new TreeMap<>()).merge(k, n, Long::sum)));
        }
        return new CountGroups(sum);
    }

    /** A mutable builder; adding to a key sums. */
    public static final class Builder {
        private final TreeMap<String, Map<String, Long>> groups = new TreeMap<>();

        public Builder add(String group, String key, long count) {
            if (count != 0) {
                groups.computeIfAbsent(group, g -> new TreeMap<>()).merge(key, count, Long::sum);
            }
            return this;
        }

        public CountGroups build() {
            return new CountGroups(groups);
        }
    }
}
