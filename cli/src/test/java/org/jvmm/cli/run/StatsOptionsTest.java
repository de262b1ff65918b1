// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.cli.Main;
import org.jvmm.vmm.spi.MsrFilterRange;
import picocli.CommandLine;

/** {@code --stats} and {@code --stats-format}: parsing and usage errors, in-process, without KVM. */
class StatsOptionsTest {
    @TempDir
    Path dir;

    private record Outcome(int code, String err) {}

    private static Outcome jvmm(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        return new Outcome(code, err.toString());
    }

    private static void assertOneLine(Outcome o, int code, String mustContain) {
        assertEquals(code, o.code(), o.err());
        assertEquals(1, o.err().lines().count(), o.err());
        assertTrue(o.err().startsWith("jvmm: "), o.err());
        assertTrue(o.err().contains(mustContain), o.err());
        assertFalse(o.err().contains("\tat "), o.err());
    }

    private static StatsOptions parse(String... args) {
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.stats;
    }

    @Test
    void statsAloneMeansStderrAndAFileAfterTheEqualsSign() {
        StatsOptions none = parse("--kernel", "k");
        assertFalse(none.enabled());
        StatsOptions alone = parse("--kernel", "k", "--stats");
        assertTrue(alone.enabled());
        assertEquals(StatsOptions.STDERR, alone.stats);
        assertNull(alone.format);
        StatsOptions beforeAnother = parse("--stats", "--kernel", "k");
        assertEquals(StatsOptions.STDERR, beforeAnother.stats, "--stats must not swallow the next option");
        StatsOptions file = parse("--kernel", "k", "--stats=out.json", "--stats-format", "json");
        assertEquals("out.json", file.stats);
        assertEquals(StatsOptions.Format.json, file.format);
    }

    @Test
    void aFormatWithoutStatsIsBadUsage() {
        assertOneLine(jvmm("run", "--kernel", "k", "--stats-format", "json"), 2, "--stats-format needs --stats");
    }

    @Test
    void anUnknownFormatIsBadUsageNamingIt() {
        assertOneLine(jvmm("run", "--kernel", "k", "--stats", "--stats-format", "xml"), 2, "xml");
    }

    @Test
    void countMsrsNeedsStatsAndAWellFormedList() {
        assertOneLine(jvmm("run", "--kernel", "k", "--count-msrs", "hv-vapic"), 2, "--count-msrs needs --stats");
        assertOneLine(jvmm("run", "--kernel", "k", "--stats", "--count-msrs", "0x830"), 2, "'0x830' includes x2APIC");
        assertOneLine(jvmm("run", "--kernel", "k", "--stats", "--count-msrs", "0x10-0x1"), 2, "'0x10-0x1'");
        assertEquals(List.of(new MsrFilterRange(0x174, 3, true, true)),
                parse("--kernel", "k", "--stats", "--count-msrs", "0x174-0x176").countMsrs);
    }

    @Test
    void countMsrsByChoosesTheSourceAndNeedsAList() {
        assertOneLine(jvmm("run", "--kernel", "k", "--stats", "--count-msrs-by", "trace"), 2,
                "--count-msrs-by needs --count-msrs");
        assertOneLine(jvmm("run", "--kernel", "k", "--stats", "--count-msrs", "hv-vapic", "--count-msrs-by", "perf"), 2,
                "perf");
        StatsOptions byTrace = parse("--kernel", "k", "--stats", "--count-msrs", "0x174", "--count-msrs-by", "trace");
        assertEquals(List.of(), byTrace.filterMsrs(), "traced MSRs are not deflected");
        assertEquals(List.of(new MsrFilterRange(0x174, 1, true, true)), byTrace.tracedMsrs());
        assertEquals(List.of(new MsrFilterRange(0x830, 1, true, true)),
                parse("--kernel", "k", "--stats", "--count-msrs", "0x830", "--count-msrs-by", "trace").tracedMsrs(),
                "kvm_msr traces x2APIC MSRs, which the filter cannot count");
        StatsOptions byFilter = parse("--kernel", "k", "--stats", "--count-msrs", "0x174");
        assertEquals(List.of(new MsrFilterRange(0x174, 1, true, true)), byFilter.filterMsrs(), "the filter is the default");
        assertEquals(List.of(), byFilter.tracedMsrs());
    }

    @Test
    void anEmptyFileNameIsBadUsage() {
        assertOneLine(jvmm("run", "--kernel", "k", "--stats="), 2, "--stats=");
    }

    @Test
    void anUnwritableFileFailsBeforeTheVmStarts() {
        // The kernel does not exist either: the census file is checked first, so the message
        // names it, which also shows no VM was built.
        Path missing = dir.resolve("no-such-dir").resolve("stats.txt");
        assertOneLine(jvmm("run", "--kernel", dir.resolve("k").toString(), "--stats=" + missing), 1, missing.toString());
    }
}
