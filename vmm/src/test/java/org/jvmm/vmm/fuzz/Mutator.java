// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.fuzz;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Byte-level mutations in the manner of libFuzzer's: flips, edge values, inserts, cuts, splices. */
final class Mutator {
    static final int MAX_LENGTH = 4096;
    private static final long[] EDGES = {0, 1, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff,
        0x7fff_ffffL, 0x8000_0000L, 0xffff_ffffL, -1L, Long.MIN_VALUE, Long.MAX_VALUE};

    private final Random random;

    Mutator(Random random) {
        this.random = random;
    }

    byte[] fresh() {
        byte[] b = new byte[1 + random.nextInt(256)];
        random.nextBytes(b);
        return b;
    }

    /** One to four stacked mutations of {@code input}; {@code corpus} gives splice partners. */
    byte[] mutate(byte[] input, List<byte[]> corpus) {
        byte[] b = input.length == 0 ? fresh() : input.clone();
        int rounds = 1 + random.nextInt(4);
        for (int r = 0; r < rounds; r++) {
            b = once(b, corpus);
            if (b.length == 0) {
                b = fresh();
            }
        }
        return b.length > MAX_LENGTH ? Arrays.copyOf(b, MAX_LENGTH) : b;
    }

    private byte[] once(byte[] b, List<byte[]> corpus) {
        int at = random.nextInt(b.length);
        switch (random.nextInt(8)) {
            case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
            case 1 -> b[at] = (byte) random.nextInt(256);
            case 2 -> {
                long v = EDGES[random.nextInt(EDGES.length)];
                int width = 1 << random.nextInt(4);
                for (int i = 0; i < width && at + i < b.length; i++) {
                    b[at + i] = (byte) (v >>> (8 * i));
                }
            }
            case 3 -> b[at] += (byte) (random.nextInt(17) - 8);
            case 4 -> {
                byte[] ins = new byte[1 + random.nextInt(16)];
                random.nextBytes(ins);
                return insert(b, at, ins);
            }
            case 5 -> {
                int len = 1 + random.nextInt(Math.min(16, b.length - at));
                byte[] out = new byte[b.length - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, b.length - at - len);
                return out;
            }
            case 6 -> {
                int len = 1 + random.nextInt(Math.min(32, b.length - at));
                return insert(b, random.nextInt(b.length + 1), Arrays.copyOfRange(b, at, at + len));
            }
            default -> {
                byte[] other = corpus.get(random.nextInt(corpus.size()));
                if (other.length == 0) {
                    return b;
                }
                int from = random.nextInt(other.length);
                byte[] tail = Arrays.copyOfRange(other, from, Math.min(other.length, from + 1 + random.nextInt(64)));
                byte[] out = Arrays.copyOf(b, Math.max(b.length, at + tail.length));
                System.arraycopy(tail, 0, out, at, tail.length);
                return out;
            }
        }
        return b;
    }

    private static byte[] insert(byte[] b, int at, byte[] ins) {
        byte[] out = new byte[b.length + ins.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(b, at, out, at + ins.length, b.length - at);
        return out;
    }
}
