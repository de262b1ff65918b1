// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmm.vmm.kvmtrace.TraceStatus;
import org.jvmm.vmm.stats.Census;
import org.jvmm.vmm.stats.CountGroups;
import org.jvmm.vmm.stats.KvmStat;

/**
 * {@code jvmm run --stats}: the VM's {@link Census} as a text table or as JSON. The JSON shape is
 * written down in README.md ("The census"), and {@code StatsReportTest} holds the output to it.
 */
final class StatsReport {
    /** Bumped when the JSON shape changes incompatibly. */
    static final int JSON_VERSION = 1;

    private StatsReport() {}

    static String json(Census c, TraceStatus trace) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("version", JSON_VERSION);
        root.put("wall_seconds", c.wallSeconds());
        ArrayNode vcpus = root.putArray("vcpus");
        for (Census.PerVcpu v : c.vcpus()) {
            ObjectNode n = vcpus.addObject();
            n.put("vcpu", v.index());
            counts(n.putObject("counts"), v.counts(), c.wallSeconds());
            kvm(n.putObject("kvm"), v.kvm(), c.wallSeconds());
        }
        ObjectNode total = root.putObject("total");
        counts(total.putObject("counts"), c.totalCounts(), c.wallSeconds());
        kvm(total.putObject("kvm"), c.totalKvm(), c.wallSeconds());
        ObjectNode vm = root.putObject("vm");
        counts(vm.putObject("counts"), c.vmCounts(), c.wallSeconds());
        kvm(vm.putObject("kvm"), c.vmKvm(), c.wallSeconds());
        if (c.kvmUnavailable().isPresent()) {
            root.put("kvm_unavailable", c.kvmUnavailable().get());
        } else {
            root.putNull("kvm_unavailable");
        }
        ObjectNode t = root.putObject("trace");
        ArrayNode events = t.putArray("events");
        trace.events().forEach(events::add);
        t.put("dropped", trace.dropped());
        if (trace.unavailable().isPresent()) {
            t.put("unavailable", trace.unavailable().get());
        } else {
            t.putNull("unavailable");
        }
        try {
            return mapper.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("census to JSON", e);
        }
    }

    private static void counts(ObjectNode into, CountGroups counts, double seconds) {
        counts.groups().forEach((group, keys) -> {
            ObjectNode g = into.putObject(group);
            keys.forEach((key, n) -> {
                ObjectNode e = g.putObject(key);
                e.put("count", n);
                e.put("per_second", rate(n, seconds));
            });
        });
    }

    private static void kvm(ObjectNode into, List<KvmStat> stats, double seconds) {
        for (KvmStat s : stats) {
            ObjectNode e = into.putObject(s.name());
            e.put("type", s.type());
            e.put("unit", s.unit());
            e.put("base", s.base());
            e.put("exponent", s.exponent());
            if (s.isHistogram()) {
                e.put("bucket_size", s.bucketSize());
                ArrayNode values = e.putArray("values");
                for (long v : s.values()) {
                    values.add(v);
                }
            } else {
                e.put("value", s.value());
            }
            // A rate only means something for a count that grows over the VM's life.
            if (s.type().equals("cumulative")) {
                e.put("per_second", rate(s.value(), seconds));
            } else {
                e.putNull("per_second");
            }
        }
    }

    private static double rate(long n, double seconds) {
        return seconds > 0 ? n / seconds : 0;
    }

    /**
     * A table: one row per counted key, one column per vCPU, then the total and its rate per
     * second. KVM's statistics follow as group {@code kvm}, those that stayed zero on every vCPU
     * left out (the JSON has all of them); a histogram shows the sum of its buckets.
     */
    static String text(Census c, TraceStatus trace) {
        int n = c.vcpus().size();
        List<String[]> rows = new ArrayList<>();
        String[] head = new String[n + 4];
        head[0] = "group";
        head[1] = "key";
        for (int i = 0; i < n; i++) {
            head[2 + i] = "vcpu" + c.vcpus().get(i).index();
        }
        head[n + 2] = "total";
        head[n + 3] = "per s";
        rows.add(head);
        CountGroups total = c.totalCounts();
        total.groups().forEach((group, keys) -> keys.forEach((key, sum) -> {
            String[] r = new String[n + 4];
            r[0] = group;
            r[1] = key;
            for (int i = 0; i < n; i++) {
                r[2 + i] = Long.toString(c.vcpus().get(i).counts().get(group, key));
            }
            r[n + 2] = Long.toString(sum);
            r[n + 3] = "%.1f".formatted(rate(sum, c.wallSeconds()));
            rows.add(r);
        }));
        Map<String, long[]> kvm = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            for (KvmStat s : c.vcpus().get(i).kvm()) {
                kvm.computeIfAbsent(s.name(), k -> new long[n])[i] = s.value();
            }
        }
        for (KvmStat s : c.totalKvm()) {
            long[] per = kvm.get(s.name());
            if (s.value() == 0 && java.util.Arrays.stream(per).allMatch(v -> v == 0)) {
                continue;
            }
            String[] r = new String[n + 4];
            r[0] = "kvm";
            r[1] = s.name() + (s.isHistogram() ? " (hist)" : "") + unitSuffix(s);
            for (int i = 0; i < n; i++) {
                r[2 + i] = Long.toString(per[i]);
            }
            r[n + 2] = Long.toString(s.value());
            r[n + 3] = s.type().equals("cumulative") ? "%.1f".formatted(rate(s.value(), c.wallSeconds())) : "-";
            rows.add(r);
        }
        for (KvmStat s : c.vmKvm()) {
            if (s.value() != 0) {
                String[] r = new String[n + 4];
                java.util.Arrays.fill(r, "");
                r[0] = "kvm-vm";
                r[1] = s.name() + (s.isHistogram() ? " (hist)" : "") + unitSuffix(s);
                r[n + 2] = Long.toString(s.value());
                r[n + 3] = s.type().equals("cumulative") ? "%.1f".formatted(rate(s.value(), c.wallSeconds())) : "-";
                rows.add(r);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("jvmm: census over %.3f s, %d vCPU%s%n".formatted(c.wallSeconds(), n, n == 1 ? "" : "s"));
        c.kvmUnavailable().ifPresent(why -> out.append("jvmm: no KVM statistics: ").append(why).append('\n'));
        if (trace.unavailable().isPresent()) {
            out.append(trace.events().isEmpty() ? "jvmm: no kernel trace points: " : "jvmm: kernel trace points incomplete: ")
                    .append(trace.unavailable().get()).append('\n');
        }
        if (!trace.events().isEmpty()) {
            out.append("jvmm: kernel trace points: %d counted (groups kvm:*)%s%n".formatted(trace.events().size(),
                    trace.dropped() == 0 ? "" : ", %d events dropped (tables full)".formatted(trace.dropped())));
        }
        int[] width = new int[n + 4];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                String cell = i < 2 ? "%-" + width[i] + "s" : "%" + width[i] + "s";
                line.append(i == 0 ? "" : "  ").append(cell.formatted(r[i]));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** A unit other than a plain count, with its scale: "seconds" with exponent -9 is " [ns]". */
    private static String unitSuffix(KvmStat s) {
        if (s.unit().equals("none")) {
            return "";
        }
        if (s.unit().equals("seconds") && s.base().equals("pow10") && s.exponent() == -9) {
            return " [ns]";
        }
        return s.exponent() == 0 ? " [" + s.unit() + "]"
                : " [" + s.unit() + " x" + (s.base().equals("pow2") ? "2^" : "10^") + s.exponent() + "]";
    }
}
