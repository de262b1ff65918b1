// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stats-fd reader against a file image built here byte by byte, in the layout of
 * Documentation/virt/kvm/api.rst (header 24 bytes; descriptors of 16 bytes + name_size; data),
 * with offsets written as plain numbers rather than through the bindings the reader uses.
 */
class KvmStatsParserTest {
    private static final int NAME_SIZE = 48;
    private static final int ID_OFFSET = 24;
    private static final int DESC_OFFSET = ID_OFFSET + NAME_SIZE;
    private static final int STRIDE = 16 + NAME_SIZE;
    // flags: type in bits 0-3, unit in 4-7, base in 8-11 (linux/kvm.h KVM_STATS_*)
    private static final int CUMULATIVE = 0;
    private static final int PEAK = 2;
    private static final int LOG_HIST = 4;
    private static final int UNIT_SECONDS = 2 << 4;
    private static final int BASE_POW2 = 1 << 8;

    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    private record Desc(String name, int flags, short exponent, int size, int bucketSize, long[] values) {}

    private MemorySegment image(int nameSize, List<Desc> descs) {
        int descOffset = ID_OFFSET + nameSize;
        int stride = 16 + nameSize;
        int dataOffset = descOffset + stride * descs.size() + 8; // a gap: the reader must use the header
        int dataSize = descs.stream().mapToInt(d -> d.values.length * 8).sum();
        MemorySegment f = arena.allocate(dataOffset + dataSize + 16);
        f.set(JAVA_INT_UNALIGNED, 0, 0);
        f.set(JAVA_INT_UNALIGNED, 4, nameSize);
        f.set(JAVA_INT_UNALIGNED, 8, descs.size());
        f.set(JAVA_INT_UNALIGNED, 12, ID_OFFSET);
        f.set(JAVA_INT_UNALIGNED, 16, descOffset);
        f.set(JAVA_INT_UNALIGNED, 20, dataOffset);
        putName(f, ID_OFFSET, "kvm-4242/vcpu-0", nameSize);
        int valueOffset = 0;
        for (int i = 0; i < descs.size(); i++) {
            Desc d = descs.get(i);
            long at = descOffset + (long) i * stride;
            f.set(JAVA_INT_UNALIGNED, at, d.flags);
            f.set(JAVA_SHORT_UNALIGNED, at + 4, d.exponent);
            f.set(JAVA_SHORT_UNALIGNED, at + 6, (short) d.size);
            f.set(JAVA_INT_UNALIGNED, at + 8, valueOffset);
            f.set(JAVA_INT_UNALIGNED, at + 12, d.bucketSize);
            putName(f, at + 16, d.name, nameSize);
            for (int j = 0; j < d.values.length; j++) {
                f.set(JAVA_LONG_UNALIGNED, dataOffset + valueOffset + 8L * j, d.values[j]);
            }
            valueOffset += d.values.length * 8;
        }
        return f;
    }

    private static void putName(MemorySegment f, long at, String name, int nameSize) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(b, 0, f, java.lang.foreign.ValueLayout.JAVA_BYTE, at, Math.min(b.length, nameSize));
    }

    private static KvmStatsParser.Source over(MemorySegment f) {
        return (offset, dst) -> {
            if (offset < 0 || offset + dst.byteSize() > f.byteSize()) {
                throw new KvmStatsException("read past the end at 0x" + Long.toHexString(offset));
            }
            MemorySegment.copy(f, offset, dst, 0, dst.byteSize());
        };
    }

    @Test
    void descriptorsGiveNamesTypesUnitsAndValues() {
        MemorySegment f = image(NAME_SIZE, List.of(
                new Desc("exits", CUMULATIVE, (short) 0, 1, 0, new long[] {4711}),
                new Desc("halt_wait_ns", CUMULATIVE | UNIT_SECONDS, (short) -9, 1, 0, new long[] {123456789}),
                new Desc("max_mmu_page_hash_collisions", PEAK | BASE_POW2, (short) 0, 1, 0, new long[] {5}),
                new Desc("halt_wait_hist", LOG_HIST | UNIT_SECONDS, (short) -9, 4, 0, new long[] {1, 2, 3, 40}),
                new Desc("from_the_future", 9, (short) 0, 1, 0, new long[] {-1})));
        KvmStatsParser.Result r = KvmStatsParser.parse(over(f));
        assertEquals("kvm-4242/vcpu-0", r.id());
        assertEquals(List.of("exits", "halt_wait_ns", "max_mmu_page_hash_collisions", "halt_wait_hist", "from_the_future"),
                r.stats().stream().map(KvmStat::name).toList());
        KvmStat exits = r.stats().get(0);
        assertEquals(new KvmStat("exits", "cumulative", "none", "pow10", 0, 0, new long[] {4711}), exits);
        KvmStat wait = r.stats().get(1);
        assertEquals("seconds", wait.unit());
        assertEquals(-9, wait.exponent());
        assertEquals(123456789, wait.value());
        assertEquals("pow2", r.stats().get(2).base());
        assertEquals("peak", r.stats().get(2).type());
        KvmStat hist = r.stats().get(3);
        assertTrue(hist.isHistogram());
        assertArrayEquals(new long[] {1, 2, 3, 40}, hist.values());
        assertEquals(46, hist.value());
        assertEquals("type-9", r.stats().get(4).type());
        assertEquals(-1, r.stats().get(4).value());
    }

    @Test
    void aLongNameFillingItsFieldHasNoTerminator() {
        String name = "n".repeat(NAME_SIZE);
        MemorySegment f = image(NAME_SIZE, List.of(new Desc(name, CUMULATIVE, (short) 0, 1, 0, new long[] {7})));
        assertEquals(name, KvmStatsParser.parse(over(f)).stats().get(0).name());
    }

    @Test
    void anotherNameSizeMovesTheDescriptors() {
        MemorySegment f = image(8, List.of(
                new Desc("a", CUMULATIVE, (short) 0, 1, 0, new long[] {1}),
                new Desc("b", CUMULATIVE, (short) 0, 1, 0, new long[] {2})));
        assertEquals(List.of(1L, 2L), KvmStatsParser.parse(over(f)).stats().stream().map(KvmStat::value).toList());
    }

    @Test
    void implausibleHeadersAndSizesAreRefused() {
        MemorySegment f = image(NAME_SIZE, List.of(new Desc("exits", CUMULATIVE, (short) 0, 1, 0, new long[] {1})));
        MemorySegment badName = arena.allocate(f.byteSize()).copyFrom(f);
        badName.set(JAVA_INT_UNALIGNED, 4, 0);
        assertThrows(KvmStatsException.class, () -> KvmStatsParser.parse(over(badName)));
        MemorySegment tooMany = arena.allocate(f.byteSize()).copyFrom(f);
        tooMany.set(JAVA_INT_UNALIGNED, 8, KvmStatsParser.MAX_DESCRIPTORS + 1);
        assertThrows(KvmStatsException.class, () -> KvmStatsParser.parse(over(tooMany)));
        MemorySegment zeroSize = arena.allocate(f.byteSize()).copyFrom(f);
        zeroSize.set(JAVA_SHORT_UNALIGNED, DESC_OFFSET + 6, (short) 0);
        KvmStatsException e = assertThrows(KvmStatsException.class, () -> KvmStatsParser.parse(over(zeroSize)));
        assertTrue(e.getMessage().contains("exits"), e.getMessage());
        MemorySegment farData = arena.allocate(f.byteSize()).copyFrom(f);
        farData.set(JAVA_INT_UNALIGNED, DESC_OFFSET + 8, 1 << 20);
        assertThrows(KvmStatsException.class, () -> KvmStatsParser.parse(over(farData)));
    }

    @Test
    void totalsSumCountersAndKeepTheLargestPeak() {
        KvmStat a = new KvmStat("exits", "cumulative", "none", "pow10", 0, 0, new long[] {3});
        KvmStat b = new KvmStat("exits", "cumulative", "none", "pow10", 0, 0, new long[] {4});
        assertEquals(7, a.plus(b).value());
        KvmStat p = new KvmStat("max", "peak", "none", "pow10", 0, 0, new long[] {3});
        KvmStat q = new KvmStat("max", "peak", "none", "pow10", 0, 0, new long[] {9});
        assertEquals(9, p.plus(q).value());
        assertEquals(9, q.plus(p).value());
    }
}
