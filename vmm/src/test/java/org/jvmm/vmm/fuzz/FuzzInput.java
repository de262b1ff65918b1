// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.fuzz;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * A fuzz input read as a stream of typed values, as Jazzer's FuzzedDataProvider reads one: every
 * value a target needs comes from the bytes, so a mutation of the bytes is a mutation of the
 * inputs and a saved input replays exactly. Past the end every read gives zero, so any byte array
 * is a valid input.
 */
public final class FuzzInput {
    /** Values at the edges where bounds checks go wrong, mixed into reads that ask for them. */
    private static final long[] INTERESTING = {
        0, 1, 2, 3, 4, 7, 8, 15, 16, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x1001, 0x7fff, 0x8000, 0xffff,
        0x10000, 0x7fff_ffffL, 0x8000_0000L, 0xffff_fff0L, 0xffff_ffffL, 0x1_0000_0000L,
        Long.MAX_VALUE, Long.MIN_VALUE, -1, -2, -8, -4096,
    };

    private final byte[] data;
    private int at;
    private final Set<String> reached = new HashSet<>();

    public FuzzInput(byte[] data) {
        this.data = data;
    }

    public byte[] data() {
        return data;
    }

    /**
     * Records that this input reached {@code feature}: a path through the code under test, such
     * as "pio com1+5 in 1 -> 0x60" or "hcall post INVALID_CONNECTION_ID". For the seeded
     * {@link FuzzEngine} (Jazzer ignores them), features are the feedback: an input reaching a
     * feature no earlier input reached joins the corpus, and the features reached are the run's
     * coverage figure.
     */
    public void reach(String feature) {
        reached.add(feature);
    }

    Set<String> reached() {
        return reached;
    }

    public boolean hasMore() {
        return at < data.length;
    }

    public int u8() {
        return at < data.length ? data[at++] & 0xff : 0;
    }

    public int u16() {
        return u8() | u8() << 8;
    }

    public int u32() {
        return u16() | u16() << 16;
    }

    public long u64() {
        return Integer.toUnsignedLong(u32()) | (long) u32() << 32;
    }

    public boolean bool() {
        return (u8() & 1) != 0;
    }

    /** An index below {@code n} (n > 0). */
    public int pick(int n) {
        return Integer.remainderUnsigned(n <= 256 ? u8() : u32(), n);
    }

    /** One of {@code choices}. */
    @SafeVarargs
    public final <T> T pick(T... choices) {
        return choices[pick(choices.length)];
    }

    /** A value that is an edge case a quarter of the time, otherwise any 64-bit value. */
    public long edgy64() {
        return (u8() & 3) == 0 ? INTERESTING[pick(INTERESTING.length)] : u64();
    }

    /** Like {@link #edgy64()}, as a 32-bit value. */
    public int edgy32() {
        return (u8() & 3) == 0 ? (int) INTERESTING[pick(INTERESTING.length)] : u32();
    }

    /** Up to {@code max} bytes, the length coming first. */
    public byte[] bytes(int max) {
        int n = pick(max + 1);
        int take = Math.min(n, data.length - at);
        byte[] out = Arrays.copyOfRange(data, at, at + take);
        at += take;
        return Arrays.copyOf(out, n);
    }
}
