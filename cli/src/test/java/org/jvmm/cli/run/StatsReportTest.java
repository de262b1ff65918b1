// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.kvmtrace.TraceStatus;
import org.jvmm.vmm.stats.Census;
import org.jvmm.vmm.stats.CountGroups;
import org.jvmm.vmm.stats.KvmStat;
import org.jvmm.vmm.testing.RepoRoot;

/**
 * {@code --stats} output from a census made up here: the JSON against the shape README.md
 * documents (the block after {@code <!-- census-json-shape -->}), and the numbers in both
 * formats.
 */
class StatsReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static KvmStat counter(String name, long v) {
        return new KvmStat(name, "cumulative", "none", "pow10", 0, 0, new long[] {v});
    }

    private static Census census(Optional<String> kvmUnavailable) {
        CountGroups v0 = new CountGroups.Builder().add("exits", "IO", 6).add("pio", "0x03f8 out", 6)
                .add("exits", "HLT", 1).build();
        CountGroups v1 = new CountGroups.Builder().add("exits", "IO", 2).add("pio", "0x03f8 out", 2)
                .add("hcall", "0x0008 ok", 5).build();
        List<KvmStat> k0 = kvmUnavailable.isPresent() ? List.of() : List.of(counter("exits", 10),
                new KvmStat("halt_wait_hist", "log_hist", "seconds", "pow10", -9, 0, new long[] {0, 3, 1}),
                new KvmStat("blocking", "instant", "none", "pow10", 0, 0, new long[] {1}));
        List<KvmStat> k1 = kvmUnavailable.isPresent() ? List.of() : List.of(counter("exits", 4),
                new KvmStat("halt_wait_hist", "log_hist", "seconds", "pow10", -9, 0, new long[] {1, 0, 0}),
                new KvmStat("blocking", "instant", "none", "pow10", 0, 0, new long[] {0}));
        CountGroups vm = new CountGroups.Builder().add("synic", "sint 2 posted", 3).build();
        return new Census(2_000_000_000L, List.of(new Census.PerVcpu(0, v0, k0), new Census.PerVcpu(1, v1, k1)),
                vm, kvmUnavailable.isPresent() ? List.of() : List.of(counter("remote_tlb_flush", 7)), kvmUnavailable);
    }

    private static final TraceStatus TRACED = new TraceStatus(List.of("kvm:kvm_hv_hypercall", "kvm:kvm_msr"), 2, Optional.empty());
    private static final TraceStatus NO_TRACE = TraceStatus.unavailable("/sys/kernel/tracing is not a mounted tracefs");

    static JsonNode documentedShape() throws Exception {
        String readme = Files.readString(RepoRoot.find().resolve("README.md"));
        int marker = readme.indexOf("<!-- census-json-shape -->");
        assertTrue(marker >= 0, "README.md lost its census-json-shape block");
        int start = readme.indexOf("```json", marker) + "```json".length();
        return JSON.readTree(readme.substring(start, readme.indexOf("```", start)));
    }

    @Test
    void jsonHasTheDocumentedShape() throws Exception {
        JsonNode shape = documentedShape();
        for (Optional<String> unavailable : List.of(Optional.<String>empty(), Optional.of("KVM_GET_STATS_FD: EINVAL"))) {
            for (TraceStatus trace : List.of(TRACED, NO_TRACE)) {
                List<String> problems = new ArrayList<>();
                conform(shape, JSON.readTree(StatsReport.json(census(unavailable), trace)), "$", problems);
                assertEquals(List.of(), problems);
            }
        }
    }

    @Test
    void theShapeCheckCatchesDepartures() throws Exception {
        JsonNode shape = documentedShape();
        String good = StatsReport.json(census(Optional.empty()), TRACED);
        for (String[] edit : new String[][] {
                {"\"wall_seconds\"", "\"wall_secs\""},                     // renamed key
                {"\"per_second\" : null", "\"per_second\" : \"none\""},   // wrong type
                {"\"count\" : 6", "\"count\" : 6.5"},                      // not an integer
                {"\"version\" : 1,", "\"version\" : 1, \"extra\" : 0,"}, // undocumented key
                {"\"dropped\" : 2", "\"dropped\" : \"2\""},                // trace: wrong type
                {"\"kvm:kvm_msr\" ]", "3 ]"},                             // trace: event not a string
                {"\"unavailable\" : null", "\"why\" : null"}}) {            // trace: renamed key
            String bad = good.replaceFirst(java.util.regex.Pattern.quote(edit[0]), edit[1]);
            assertTrue(!bad.equals(good), "edit did not apply: " + edit[0]);
            List<String> problems = new ArrayList<>();
            conform(shape, JSON.readTree(bad), "$", problems);
            assertTrue(!problems.isEmpty(), "not caught: " + edit[0] + " -> " + edit[1]);
        }
    }

    @Test
    void jsonCarriesTheCountsTotalsAndRates() throws Exception {
        JsonNode j = JSON.readTree(StatsReport.json(census(Optional.empty()), TRACED));
        assertEquals(2.0, j.get("wall_seconds").asDouble());
        assertEquals(6, j.at("/vcpus/0/counts/pio/0x03f8 out/count").asLong());
        assertEquals(8, j.at("/total/counts/pio/0x03f8 out/count").asLong());
        assertEquals(4.0, j.at("/total/counts/pio/0x03f8 out/per_second").asDouble());
        assertEquals(3, j.at("/total/counts/synic/sint 2 posted/count").asLong(), "VM-wide counts are in the total");
        assertEquals(3, j.at("/vm/counts/synic/sint 2 posted/count").asLong());
        assertEquals(14, j.at("/total/kvm/exits/value").asLong());
        assertEquals(7.0, j.at("/total/kvm/exits/per_second").asDouble());
        assertEquals("[1,3,1]", j.at("/total/kvm/halt_wait_hist/values").toString());
        assertTrue(j.at("/total/kvm/blocking/per_second").isNull(), "no rate for an instant value");
        assertEquals(7, j.at("/vm/kvm/remote_tlb_flush/value").asLong());
        assertTrue(j.get("kvm_unavailable").isNull());
        assertEquals("[\"kvm:kvm_hv_hypercall\",\"kvm:kvm_msr\"]", j.at("/trace/events").toString());
        assertEquals(2, j.at("/trace/dropped").asLong());
        assertTrue(j.at("/trace/unavailable").isNull());
        JsonNode none = JSON.readTree(StatsReport.json(census(Optional.empty()), NO_TRACE));
        assertEquals("/sys/kernel/tracing is not a mounted tracefs", none.at("/trace/unavailable").asText());
    }

    @Test
    void textHasARowPerKeyWithEveryVcpuAndTheTotal() {
        String t = StatsReport.text(census(Optional.empty()), TRACED);
        assertTrue(t.startsWith("jvmm: census over 2.000 s, 2 vCPUs\n"), t);
        assertTrue(t.lines().anyMatch(l -> l.matches("pio\\s+0x03f8 out\\s+6\\s+2\\s+8\\s+4\\.0")), t);
        assertTrue(t.lines().anyMatch(l -> l.matches("hcall\\s+0x0008 ok\\s+0\\s+5\\s+5\\s+2\\.5")), t);
        assertTrue(t.lines().anyMatch(l -> l.matches("kvm\\s+exits\\s+10\\s+4\\s+14\\s+7\\.0")), t);
        assertTrue(t.lines().anyMatch(l -> l.matches("kvm\\s+halt_wait_hist \\(hist\\) \\[ns\\]\\s+4\\s+1\\s+5\\s+-")), t);
        assertTrue(t.contains("jvmm: kernel trace points: 2 counted (groups kvm:*), 2 events dropped (tables full)\n"), t);
        String none = StatsReport.text(census(Optional.of("KVM_GET_STATS_FD: EINVAL")), NO_TRACE);
        assertTrue(none.contains("jvmm: no KVM statistics: KVM_GET_STATS_FD: EINVAL\n"), none);
        assertTrue(none.contains("jvmm: no kernel trace points: /sys/kernel/tracing is not a mounted tracefs\n"), none);
    }

    /** Checks {@code actual} against the README's template {@code shape}, collecting departures. */
    static void conform(JsonNode shape, JsonNode actual, String path, List<String> problems) {
        if (shape.isTextual()) {
            Set<String> allowed = Set.of(shape.asText().split("\\|"));
            boolean ok = (allowed.contains("integer") && actual.isIntegralNumber())
                    || (allowed.contains("number") && actual.isNumber())
                    || (allowed.contains("string") && actual.isTextual())
                    || (allowed.contains("null") && actual.isNull());
            if (!ok) {
                problems.add(path + ": " + actual + " is not " + shape.asText());
            }
        } else if (shape.isArray()) {
            if (!actual.isArray()) {
                problems.add(path + ": not an array");
                return;
            }
            for (int i = 0; i < actual.size(); i++) {
                conform(shape.get(0), actual.get(i), path + "[" + i + "]", problems);
            }
        } else if (!actual.isObject()) {
            problems.add(path + ": not an object");
        } else if (shape.size() == 1 && shape.fieldNames().next().startsWith("<")) {
            JsonNode each = shape.elements().next();
            actual.properties().forEach(e -> conform(each, e.getValue(), path + "." + e.getKey(), problems));
        } else {
            Set<String> seen = new HashSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = shape.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                boolean optional = f.getKey().endsWith("?");
                String key = optional ? f.getKey().substring(0, f.getKey().length() - 1) : f.getKey();
                seen.add(key);
                if (actual.has(key)) {
                    conform(f.getValue(), actual.get(key), path + "." + key, problems);
                } else if (!optional) {
                    problems.add(path + ": missing " + key);
                }
            }
            actual.fieldNames().forEachRemaining(k -> {
                if (!seen.contains(k)) {
                    problems.add(path + ": undocumented key " + k);
                }
            });
        }
    }
}
