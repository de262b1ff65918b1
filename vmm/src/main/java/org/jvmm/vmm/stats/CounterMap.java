// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import java.util.Arrays;

/**
 * Counts by a 64-bit key, for one thread: open addressing over two parallel arrays, so counting
 * a key already seen allocates nothing (a vCPU loop counts every exit with it).
 *
 * <p>Keys come from the guest (ports, MSR indices), so the number of distinct keys is capped:
 * past {@link #MAX_KEYS} a new key is added to {@link #overflow()} instead, and a guest probing
 * every MSR cannot grow the host's memory without bound.
 */
public final class CounterMap {
    /** Distinct keys kept; enough for every port a PC guest touches, with room to spare. */
    public static final int MAX_KEYS = 4096;
    private static final long EMPTY = Long.MIN_VALUE;

    private long[] keys = newKeys(16);
    private long[] counts = new long[16];
    private int size;
    private long overflow;

    private static long[] newKeys(int n) {
        long[] k = new long[n];
        Arrays.fill(k, EMPTY);
        return k;
    }

    /** Adds one to {@code key}; {@code key} must not be {@link Long#MIN_VALUE}. */
    public void increment(long key) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) {
                counts[i]++;
                return;
            }
            if (k == EMPTY) {
                break;
            }
            i = (i + 1) & mask;
        }
        if (size >= MAX_KEYS) {
            overflow++;
            return;
        }
        keys[i] = key;
        counts[i] = 1;
        if (++size * 2 > keys.length) {
            grow();
        }
    }

    /** Accesses whose key arrived after {@link #MAX_KEYS} others were already counted. */
    public long overflow() {
        return overflow;
    }

    public int size() {
        return size;
    }

    /** Calls {@code action(key, count)} for every key, in no particular order. */
    public void forEach(LongBinaryConsumer action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY) {
                action.accept(keys[i], counts[i]);
            }
        }
    }

    /** The count of {@code key}, 0 if never counted. */
    public long get(long key) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; keys[i] != EMPTY; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return counts[i];
            }
        }
        return 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldCounts = counts;
        keys = newKeys(oldKeys.length * 2);
        counts = new long[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != EMPTY) {
                int i = mix(oldKeys[j]) & mask;
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                counts[i] = oldCounts[j];
            }
        }
    }

    /** Spreads nearby keys (consecutive ports, MSRs) over the table. */
    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** {@code (key, count)} pairs, without boxing. */
    @FunctionalInterface
    public interface LongBinaryConsumer {
        void accept(long key, long count);
    }
}
