// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvmm run --stats} end to end on a tiny kernel (built with gcc here) whose exits are
 * known: {@value #BYTES} bytes to COM1, one by one, then 0 to the debug-exit port.
 */
@Tag("kvm")
class RunStatsTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final int BYTES = 7;

    @TempDir
    static Path dir;
    static Path kernel;

    @BeforeAll
    static void buildKernel() throws Exception {
        String src = """
                .intel_syntax noprefix
                .code64
                .globl _start
                .text
                _start:
                  mov ecx, %d
                  mov dx, 0x3f8
                  mov al, 'x'
                1: out dx, al
                  loop 1b
                  mov al, 0
                  mov dx, 0x501
                  out dx, al
                2: hlt
                  jmp 2b
                """.formatted(BYTES);
        Path s = Files.writeString(dir.resolve("k.S"), src);
        Path ld = Files.writeString(dir.resolve("k.ld"),
                "ENTRY(_start) SECTIONS { . = 0x200000; .text : { *(.text) } /DISCARD/ : { *(.note*) *(.eh_frame*) } }");
        kernel = dir.resolve("k.elf");
        Process p = new ProcessBuilder(List.of("gcc", "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none",
                "-Wl,-T," + ld, "-o", kernel.toString(), s.toString())).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc: " + log);
    }

    @Test
    void jsonInAFileCountsEveryPortWriteAndHasTheDocumentedShape() throws Exception {
        Path out = dir.resolve("stats.json");
        JvmmProcess.Result r = JvmmProcess.run(LIMIT, "run", "--kernel", kernel.toString(), "--memory", "64M",
                "--stats=" + out, "--stats-format", "json");
        assertEquals(1, r.code(), r.stderr()); // debug exit with 0: (0 << 1) | 1
        assertEquals("x".repeat(BYTES), r.stdout());
        JsonNode j = new ObjectMapper().readTree(Files.readString(out));
        List<String> problems = new ArrayList<>();
        StatsReportTest.conform(StatsReportTest.documentedShape(), j, "$", problems);
        assertEquals(List.of(), problems);
        assertEquals(BYTES, j.at("/vcpus/0/counts/pio/0x03f8 out/count").asLong(), j.toString());
        assertEquals(1, j.at("/vcpus/0/counts/pio/0x0501 out/count").asLong());
        assertEquals(BYTES + 1, j.at("/total/counts/exits/IO/count").asLong());
        assertTrue(j.get("wall_seconds").asDouble() > 0);
        assertTrue(j.get("kvm_unavailable").isNull(), j.get("kvm_unavailable").toString());
        assertTrue(j.at("/vcpus/0/kvm/exits/value").asLong() >= BYTES + 1, j.at("/vcpus/0/kvm").toString());
        assertTrue(j.at("/vm/kvm").size() > 0, "per-VM statistics");
        // The kernel's side: used where tracefs is mounted and writable (the lab mounts it, as
        // root), otherwise one reason and the run goes on. Either way the VM counted the same.
        boolean tracefs = Files.isDirectory(Path.of("/sys/kernel/tracing/events/kvm"))
                && Files.isWritable(Path.of("/sys/kernel/tracing/instances"));
        JsonNode trace = j.get("trace");
        if (tracefs) {
            assertTrue(trace.get("unavailable").isNull(), trace.toString());
            assertTrue(trace.get("events").toString().contains("\"kvm:kvm_hv_hypercall\""), trace.toString());
        } else {
            assertTrue(trace.get("unavailable").asText().contains("/sys/kernel/tracing"), trace.toString());
            assertEquals(0, trace.get("events").size());
        }
    }

    @Test
    void anMsrKvmRefusesToCountIsBadUsageNamingIt() throws Exception {
        JvmmProcess.Result r = JvmmProcess.run(LIMIT, "run", "--kernel", kernel.toString(), "--memory", "64M",
                "--stats", "--count-msrs", "0x174,0xbadf00d");
        assertEquals(2, r.code(), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(r.stderr().startsWith("jvmm: ") && r.stderr().contains("0xbadf00d"), r.stderr());
        assertEquals("", r.stdout(), "the guest never ran");
    }

    @Test
    void countedMsrsTheGuestNeverTouchesLeaveTheRunAsItWas() throws Exception {
        JvmmProcess.Result r = JvmmProcess.run(LIMIT, "run", "--kernel", kernel.toString(), "--memory", "64M",
                "--stats", "--count-msrs", "0x174-0x176");
        assertEquals(1, r.code(), r.stderr());
        assertEquals("x".repeat(BYTES), r.stdout());
        assertTrue(r.stderr().lines().noneMatch(l -> l.startsWith("msr ")), r.stderr());
    }

    @Test
    void textOnStderrAfterTheExitLine() throws Exception {
        JvmmProcess.Result r = JvmmProcess.run(LIMIT, "run", "--kernel", kernel.toString(), "--memory", "64M", "--stats");
        assertEquals(1, r.code(), r.stderr());
        List<String> lines = r.stderr().lines().toList();
        int exitLine = lines.indexOf("jvmm: guest exited with code 1 through the debug-exit port");
        assertTrue(exitLine >= 0, r.stderr());
        assertTrue(lines.get(exitLine + 1).startsWith("jvmm: census over "), r.stderr());
        assertTrue(lines.stream().anyMatch(l -> l.matches("pio\\s+0x03f8 out\\s+%d\\s+%d\\s+\\S+".formatted(BYTES, BYTES))),
                r.stderr());
    }
}
