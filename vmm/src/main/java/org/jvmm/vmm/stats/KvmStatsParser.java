// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import static org.jvmm.bindings.kvm.kvm_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jvmm.bindings.kvm.kvm_stats_desc;
import org.jvmm.bindings.kvm.kvm_stats_header;

/**
 * Reads KVM's binary statistics (KVM_GET_STATS_FD, Documentation/virt/kvm/api.rst "The binary
 * statistics"): a header, then {@code num_desc} descriptors of {@code sizeof(kvm_stats_desc) +
 * name_size} bytes each at {@code desc_offset}, and each stat's {@code size} u64 values at
 * {@code data_offset + desc.offset}. Names, types and units come from the descriptors, so stats a
 * newer kernel adds appear without a change here.
 *
 * <p>The reader works on any {@link Source}, so tests feed it a buffer they build; the limits
 * below turn a corrupt file into a {@link KvmStatsException} instead of a huge allocation.
 */
public final class KvmStatsParser {
    private KvmStatsParser() {}

    /** Generous bounds: kernels have name_size 48 and under 200 stats of at most 32 buckets. */
    static final int MAX_NAME_SIZE = 1024;
    static final int MAX_DESCRIPTORS = 4096;
    static final int MAX_VALUES = 4096;

    /** Where the bytes come from: {@code dst.byteSize()} bytes at {@code offset}, all or throw. */
    @FunctionalInterface
    public interface Source {
        void read(long offset, MemorySegment dst);
    }

    /** The id string and the stats, in the kernel's order. */
    public record Result(String id, List<KvmStat> stats) {
        public Result {
            stats = List.copyOf(stats);
        }
    }

    public static Result parse(Source source) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(kvm_stats_header.layout());
            source.read(0, h);
            int nameSize = kvm_stats_header.name_size(h);
            int count = kvm_stats_header.num_desc(h);
            long idOffset = Integer.toUnsignedLong(kvm_stats_header.id_offset(h));
            long descOffset = Integer.toUnsignedLong(kvm_stats_header.desc_offset(h));
            long dataOffset = Integer.toUnsignedLong(kvm_stats_header.data_offset(h));
            if (nameSize <= 0 || nameSize > MAX_NAME_SIZE || count < 0 || count > MAX_DESCRIPTORS) {
                throw new KvmStatsException("implausible stats header: name_size %d, num_desc %d"
                        .formatted(nameSize, count));
            }
            MemorySegment idBytes = a.allocate(nameSize);
            source.read(idOffset, idBytes);
            String id = cString(idBytes);

            long stride = kvm_stats_desc.layout().byteSize() + nameSize;
            MemorySegment descs = a.allocate(stride * count, 8);
            source.read(descOffset, descs);
            List<KvmStat> stats = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                MemorySegment d = descs.asSlice(i * stride, stride);
                stats.add(stat(d, nameSize, dataOffset, source, a));
            }
            return new Result(id, stats);
        }
    }

    private static KvmStat stat(MemorySegment d, int nameSize, long dataOffset, Source source, Arena a) {
        String name = cString(d.asSlice(kvm_stats_desc.layout().byteSize(), nameSize));
        int flags = kvm_stats_desc.flags(d);
        int size = Short.toUnsignedInt(kvm_stats_desc.size(d));
        if (size == 0 || size > MAX_VALUES) {
            throw new KvmStatsException("stat %s: implausible size %d".formatted(name, size));
        }
        MemorySegment values = a.allocate(ValueLayout.JAVA_LONG, size);
        source.read(dataOffset + Integer.toUnsignedLong(kvm_stats_desc.offset(d)), values);
        return new KvmStat(name, typeName(flags), unitName(flags), baseName(flags),
                kvm_stats_desc.exponent(d), kvm_stats_desc.bucket_size(d), values.toArray(ValueLayout.JAVA_LONG));
    }

    static String typeName(int flags) {
        int t = flags & KVM_STATS_TYPE_MASK();
        return t == KVM_STATS_TYPE_CUMULATIVE() ? "cumulative"
                : t == KVM_STATS_TYPE_INSTANT() ? "instant"
                : t == KVM_STATS_TYPE_PEAK() ? "peak"
                : t == KVM_STATS_TYPE_LINEAR_HIST() ? "linear_hist"
                : t == KVM_STATS_TYPE_LOG_HIST() ? "log_hist"
                : "type-" + (t >>> KVM_STATS_TYPE_SHIFT());
    }

    static String unitName(int flags) {
        int u = flags & KVM_STATS_UNIT_MASK();
        return u == KVM_STATS_UNIT_NONE() ? "none"
                : u == KVM_STATS_UNIT_BYTES() ? "bytes"
                : u == KVM_STATS_UNIT_SECONDS() ? "seconds"
                : u == KVM_STATS_UNIT_CYCLES() ? "cycles"
                : u == KVM_STATS_UNIT_BOOLEAN() ? "boolean"
                : "unit-" + (u >>> KVM_STATS_UNIT_SHIFT());
    }

    static String baseName(int flags) {
        int b = flags & KVM_STATS_BASE_MASK();
        return b == KVM_STATS_BASE_POW10() ? "pow10"
                : b == KVM_STATS_BASE_POW2() ? "pow2"
                : "base-" + (b >>> KVM_STATS_BASE_SHIFT());
    }

    /** The bytes up to the first NUL (all of them if none): the kernel pads names with NULs. */
    private static String cString(MemorySegment s) {
        byte[] b = s.toArray(ValueLayout.JAVA_BYTE);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }
}
