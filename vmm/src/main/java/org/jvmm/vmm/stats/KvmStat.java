// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import java.util.Arrays;

/**
 * One of KVM's binary statistics, as its descriptor (struct kvm_stats_desc) describes it and with
 * the values read from the stats fd. {@code type}, {@code unit} and {@code base} are the kernel's
 * KVM_STATS_TYPE_*, _UNIT_* and _BASE_* names in lower case ("cumulative", "none", "pow10"), or
 * "type-N" for a value this build does not know. The value is {@code values[0]}
 * x base^{@code exponent}; histograms have one value per bucket.
 */
public record KvmStat(String name, String type, String unit, String base, int exponent, int bucketSize,
                      long[] values) {
    public KvmStat {
        values = values.clone();
    }

    @Override
    public long[] values() {
        return values.clone();
    }

    /** The single value of a counter, or the sum of a histogram's buckets. */
    public long value() {
        long sum = 0;
        for (long v : values) {
            sum += v;
        }
        return sum;
    }

    public boolean isHistogram() {
        return type.endsWith("hist");
    }

    /** This stat added to {@code other} of the same name: peaks take the larger, others sum. */
    public KvmStat plus(KvmStat other) {
        long[] sum = Arrays.copyOf(values, Math.max(values.length, other.values.length));
        for (int i = 0; i < other.values.length; i++) {
            sum[i] = type.equals("peak") ? Math.max(sum[i], other.values[i]) : sum[i] + other.values[i];
        }
        return new KvmStat(name, type, unit, base, exponent, bucketSize, sum);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KvmStat s && name.equals(s.name) && type.equals(s.type) && unit.equals(s.unit)
                && base.equals(s.base) && exponent == s.exponent && bucketSize == s.bucketSize
                && Arrays.equals(values, s.values);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return name + "=" + (values.length == 1 ? Long.toString(values[0]) : Arrays.toString(values))
                + " (" + type + ", " + unit + ")";
    }
}
