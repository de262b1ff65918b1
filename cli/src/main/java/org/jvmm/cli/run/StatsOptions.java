// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jvmm.vmm.kvmtrace.TraceStatus;
import org.jvmm.vmm.spi.MsrFilterRange;
import org.jvmm.vmm.stats.Census;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --stats[=FILE]}, {@code --stats-format} and {@code --count-msrs}: whether
 * {@code jvmm run} keeps a census of the VM, which MSRs it counts, and where the census goes at
 * the VM's end.
 */
public final class StatsOptions {
    /** What {@code --stats} alone means: the report goes to stderr. */
    static final String STDERR = "-";

    enum Format { text, json }

    /** Who counts the --count-msrs MSRs: jvmm through the MSR filter, or KVM's kvm_msr trace point. */
    enum MsrSource { filter, trace }

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--stats", arity = "0..1", paramLabel = "FILE", fallbackValue = STDERR,
            description = "At the VM's end, report its census: exits by reason, port, device and MSR,"
                    + " extension counts and KVM's own statistics, per vCPU and in total, with rates"
                    + " per second. On stderr, or in FILE with --stats=FILE ('-': stderr).")
    String stats;

    @Option(names = "--stats-format", paramLabel = "text|json",
            description = "The census as a text table (default) or as JSON (shape: README.md).")
    Format format;

    @Option(names = "--count-msrs", paramLabel = "LIST", converter = MsrListConverter.class,
            description = "Send guest accesses of these MSRs through jvmm so the census counts them per"
                    + " vCPU and index; KVM still carries them out. Indices, ranges and presets, comma"
                    + " separated: 0x174,0x174-0x176,hv-vapic (0x40000070-0x40000073). Needs --stats."
                    + " x2APIC MSRs (0x800-0x8ff) only with --count-msrs-by trace.")
    List<MsrFilterRange> countMsrs;

    @Option(names = "--count-msrs-by", paramLabel = "filter|trace",
            description = "Who counts the --count-msrs MSRs: filter (default) sends each access through"
                    + " jvmm; trace counts KVM's kvm_msr trace point instead, with no extra exit (needs"
                    + " tracefs, as root).")
    MsrSource countMsrsBy;

    /** The MSRs the filter counts (empty unless --count-msrs by filter). */
    List<MsrFilterRange> filterMsrs() {
        return countMsrs == null || countMsrsBy == MsrSource.trace ? List.of() : countMsrs;
    }

    /** The MSRs the kvm_msr trace point counts (empty unless --count-msrs-by trace). */
    List<MsrFilterRange> tracedMsrs() {
        return countMsrs == null || countMsrsBy != MsrSource.trace ? List.of() : countMsrs;
    }

    boolean enabled() {
        return stats != null;
    }

    /** Refuses combinations that cannot mean anything, as bad usage (exit 2). */
    void check() {
        if (format != null && stats == null) {
            throw new ParameterException(spec.commandLine(), "--stats-format needs --stats");
        }
        if (countMsrs != null && stats == null) {
            throw new ParameterException(spec.commandLine(), "--count-msrs needs --stats (the counts are part of the census)");
        }
        if (countMsrsBy != null && countMsrs == null) {
            throw new ParameterException(spec.commandLine(), "--count-msrs-by needs --count-msrs");
        }
        if (countMsrs != null && countMsrsBy != MsrSource.trace) {
            MsrListConverter.x2apicRange(countMsrs).ifPresent(r -> {
                throw new ParameterException(spec.commandLine(), "--count-msrs: '" + r + "' includes x2APIC MSRs"
                        + " (0x800-0x8ff), which KVM never sends to userspace; --count-msrs-by trace counts them");
            });
        }
        if (stats != null && stats.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--stats= needs a file name ('-' for stderr)");
        }
    }

    /**
     * Opens FILE now, before the VM runs, so an unwritable path fails in one line at once rather
     * than after a long run; empty for stderr.
     */
    Optional<OutputStream> openFile() {
        if (stats == null || stats.equals(STDERR)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.newOutputStream(Path.of(stats)));
        } catch (IOException | RuntimeException e) {
            throw new RunInputException("cannot write the census to " + stats + ": " + describe(e));
        }
    }

    /** Writes the census in the chosen format to {@code file}, or else to {@code err}. */
    void report(Census census, TraceStatus trace, Optional<OutputStream> file, PrintWriter err) {
        String text = format == Format.json ? StatsReport.json(census, trace) : StatsReport.text(census, trace);
        if (file.isEmpty()) {
            err.print(text);
            err.flush();
            return;
        }
        try {
            file.get().write(text.getBytes(StandardCharsets.UTF_8));
            file.get().flush();
        } catch (IOException e) {
            throw new RunInputException("cannot write the census to " + stats + ": " + describe(e));
        }
    }

    private static String describe(Exception e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such directory"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : String.valueOf(e.getMessage());
    }
}
