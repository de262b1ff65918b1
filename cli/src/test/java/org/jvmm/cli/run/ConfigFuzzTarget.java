// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jvmm.cli.Main;
import org.jvmm.hyperv.HostHvSupport;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvValidator;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.fuzz.FuzzInput;
import org.jvmm.vmm.fuzz.FuzzTarget;
import picocli.CommandLine;

/**
 * Config fuzzing: libvirt domain XML and {@code <hyperv>} elements mutated from the samples in
 * {@code configs/} (values, elements added, dropped, duplicated or renamed, markup junk, cuts),
 * QEMU {@code hv-*} strings built from every flag name with good and bad values, and the command
 * line options that override them. Each input goes through what {@code jvmm run} does before it
 * touches KVM: picocli, the domain file, the settings, the Hyper-V settings and QEMU's dependency
 * rules. The oracle: either a configuration, or one of the exceptions the CLI turns into one line
 * with exit 1 ({@link VmmException}) or 2 (picocli's ParameterException), whose message names
 * the culprit; for errors {@code jvmm run} raises before it opens /dev/kvm, the same arguments
 * through {@link Main#run} must print exactly one line (after QEMU's warning lines, if any) and
 * exit with that code. Anything else, or an input taking over 2 s, is a finding.
 */
final class ConfigFuzzTarget implements FuzzTarget {
    private static final String[] VALUES = {"on", "off", "yes", "no", "", " on", "ON", "0", "1", "-1", "8191", "4095",
        "4094", "0x1fff", "0xffffffff", "4294967296", "99999999999999999999999", "1e3", "0x", "010", "KVMKVMKVM",
        "KVMKVMKVMKVMKVM", "Hyper-V \u00e9\u00e9\u00e9", "custom", "passthrough", "MiB", "GiB", "KiB", "b", "EiB",
        "zb", "512", "0", "-512", "9223372036854775807", "1024", "hypervclock", "hyperv", "x86_64", "&amp;", "\u0000"};
    private static final String[] ELEMENTS = {"relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer",
        "direct", "reset", "vendor_id", "frequencies", "reenlightenment", "tlbflush", "extended", "ipi", "evmcs", "avic",
        "emsr_bitmap", "xmm_input", "hyperv", "features", "kvm", "hidden", "domain", "memory", "maxMemory", "vcpu", "os", "kernel",
        "initrd", "cmdline", "clock", "timer", "devices", "panic", "name", "bogus"};
    private static final String[] FLAGS = {"hv-relaxed", "hv-vapic", "hv-spinlocks", "hv-vpindex", "hv-runtime",
        "hv-synic", "hv-stimer", "hv-stimer-direct", "hv-reset", "hv-vendor-id", "hv-frequencies", "hv-reenlightenment",
        "hv-tlbflush", "hv-tlbflush-direct", "hv-tlbflush-ext", "hv-ipi", "hv-evmcs", "hv-avic", "hv-apicv",
        "hv-emsr-bitmap", "hv-xmm-input", "hv-crash", "hv-time", "hv-syndbg", "hv-passthrough", "hv-enforce-cpuid",
        "hv-no-nonarch-coresharing", "hv-version-id-build", "hv-version-id-major", "hv-version-id-minor",
        "hv-version-id-spack", "hv-version-id-sbranch", "hv-version-id-snumber", "kvm", "hv_relaxed", "hv-bogus", ""};
    private static final Pattern ATTRIBUTE = Pattern.compile("='([^']*)'");
    private static final Pattern TEXT = Pattern.compile(">([^<]+)</");
    private static final Pattern TAG = Pattern.compile("</?([a-z_]+)");

    private final Path dir;
    private final List<String> samples = new ArrayList<>();
    private final List<String> hypervElements = new ArrayList<>();

    ConfigFuzzTarget(Path dir, Path configs) throws IOException {
        this.dir = dir;
        try (var files = Files.list(configs)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".xml")).sorted().toList()) {
                String xml = Files.readString(p);
                samples.add(xml);
                int at = xml.indexOf("<hyperv");
                if (at >= 0) {
                    int close = xml.indexOf("</hyperv>", at);
                    int end = close >= 0 ? close + "</hyperv>".length() : xml.indexOf("/>", at) + 2;
                    hypervElements.add(xml.substring(at, end));
                }
            }
        }
    }

    @Override
    public String name() {
        return "config";
    }

    @Override
    public List<byte[]> seeds() {
        List<byte[]> s = new ArrayList<>();
        for (int mode = 0; mode < 3; mode++) {
            for (int i = 0; i < samples.size(); i++) {
                s.add(new byte[] {(byte) mode, (byte) i, 0});
            }
        }
        return s;
    }

    @Override
    public void run(FuzzInput in) throws IOException {
        List<String> args = new ArrayList<>(List.of("run"));
        String mode = switch (in.pick(3)) {
            case 0 -> {
                args.add("--domain");
                args.add(write("domain.xml", mutate(in, samples.get(in.pick(samples.size())))));
                yield "domain";
            }
            case 1 -> {
                args.add("--hyperv");
                args.add(write("hyperv.xml", mutate(in, hypervElements.get(in.pick(hypervElements.size())))));
                yield "hyperv";
            }
            default -> {
                args.add("--hv");
                args.add(flags(in));
                yield "hv";
            }
        };
        if (in.pick(4) == 0) {
            String option = in.pick("--memory", "--cpus", "--hv", "--kernel", "--vmbus", "--balloon", "--timeout",
                    "--max-memory");
            args.add(option);
            if (!option.equals("--vmbus") && !option.equals("--balloon")) {
                args.add(in.pick(VALUES));
            }
        }
        long start = System.nanoTime();
        Throwable failure = null;
        boolean cliStage = true;
        try {
            RunCommand cmd = new RunCommand();
            new CommandLine(cmd).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
            cmd.config();
            Optional<HvConfig> hv = cmd.hyperv.resolve(Optional.ofNullable(cmd.domain)
                    .map(org.jvmm.hyperv.config.DomainXml::parse), w -> { });
            cliStage = false;
            if (hv.isPresent()) {
                HvValidator.checkDependencies(hv.get());
                in.reach(mode + " valid");
                HvValidator.resolve(hv.get(), HostHvSupport.none());
            } else {
                in.reach(mode + " valid, no Hyper-V");
            }
        } catch (VmmException | CommandLine.ParameterException e) {
            failure = e;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (millis > 2000) {
            throw new AssertionError("config took " + millis + " ms: " + args);
        }
        if (failure == null) {
            return;
        }
        String message = failure.getMessage();
        int code = failure instanceof CommandLine.ParameterException ? 2 : 1;
        if (message == null || message.isBlank()) {
            throw new AssertionError("an error without a message: " + failure, failure);
        }
        if (!namesItsCulprit(message)) {
            throw new AssertionError("an error that names no element or flag: " + message);
        }
        in.reach(mode + " exit " + code + " " + kind(message));
        if (!cliStage) {
            return; // jvmm run checks the settings against the host's KVM, which a unit test leaves alone
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int got = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        // QEMU's warnings (e.g. an ambiguous +flag) come first, each a line of its own.
        String printed = err.toString().lines().filter(l -> !l.startsWith("jvmm: warning: "))
                .map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
        if (got != code || printed.lines().count() != 1 || !printed.startsWith("jvmm: ") || printed.contains("internal error")
                || printed.chars().limit(printed.length() - 1).anyMatch(Character::isISOControl)) {
            throw new AssertionError("jvmm %s exited %d (expected %d) printing: %s".formatted(args, got, code, printed));
        }
    }

    /** An element ({@code <name>}), a file, an option, a flag, or a quoted value. */
    private static boolean namesItsCulprit(String message) {
        return message.contains("<") || message.contains(".xml") || message.contains("--") || message.contains("hv-")
                || message.contains("kvm") || message.matches(".*'[^']*'.*");
    }

    /** The message without what the input put into it, as a feature. */
    private static String kind(String message) {
        String m = message.replaceAll("/[^ :]*\\.xml(:[0-9]+)?", "FILE").replaceAll("'[^']*'", "'x'")
                .replaceAll("\"[^\"]*\"", "'x'").replaceAll("0x[0-9a-fA-F]+|[0-9]+", "N");
        String[] words = m.split(" ");
        return String.join(" ", java.util.Arrays.copyOf(words, Math.min(words.length, 6)));
    }

    private String write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p.toString();
    }

    private static String mutate(FuzzInput in, String xml) {
        StringBuilder s = new StringBuilder(xml);
        int ops = in.pick(5);
        for (int i = 0; i < ops; i++) {
            switch (in.pick(8)) {
                case 0 -> replaceGroup(in, s, ATTRIBUTE, value(in));
                case 1 -> replaceGroup(in, s, TEXT, value(in));
                case 2 -> replaceGroup(in, s, TAG, in.pick(ELEMENTS));
                case 3, 4 -> {
                    List<Integer> lines = lineStarts(s);
                    int a = lines.get(in.pick(lines.size()));
                    int b = s.indexOf("\n", a);
                    String line = s.substring(a, b < 0 ? s.length() : b + 1);
                    if (in.bool()) {
                        s.delete(a, a + line.length());
                    } else {
                        s.insert(a, line);
                    }
                }
                case 5 -> {
                    List<Integer> lines = lineStarts(s);
                    String el = in.pick(ELEMENTS);
                    s.insert(lines.get(in.pick(lines.size())), in.bool() ? "<%s state='%s'/>\n".formatted(el, value(in))
                            : "<%s %s='%s'>%s</%s>\n".formatted(el, in.pick("state", "retries", "value", "unit", "mode", "name", "model", "present"),
                                    value(in), value(in), el));
                }
                case 6 -> s.insert(in.pick(s.length() + 1), in.pick("<", ">", "&", "&bogus;", "&#0;", "&#x110000;", "]]>",
                        "<!--", "<![CDATA[", "<?xml version='1.0'?>", "<!DOCTYPE domain>", "'", "\"", "\u0000", "\uFFFE"));
                default -> s.setLength(in.pick(s.length() + 1));
            }
        }
        return s.toString();
    }

    private static String value(FuzzInput in) {
        return in.pick(4) == 0 ? new String(in.bytes(12), StandardCharsets.ISO_8859_1).replace("'", "") : in.pick(VALUES);
    }

    private static void replaceGroup(FuzzInput in, StringBuilder s, Pattern p, String replacement) {
        Matcher m = p.matcher(s);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(1), m.end(1)});
        }
        if (!spans.isEmpty()) {
            int[] span = spans.get(in.pick(spans.size()));
            s.replace(span[0], span[1], replacement);
        }
    }

    private static List<Integer> lineStarts(StringBuilder s) {
        List<Integer> out = new ArrayList<>(List.of(0));
        for (int i = s.indexOf("\n"); i >= 0 && i + 1 < s.length(); i = s.indexOf("\n", i + 1)) {
            out.add(i + 1);
        }
        return out;
    }

    private static String flags(FuzzInput in) {
        StringBuilder b = new StringBuilder();
        int n = 1 + in.pick(8);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(in.pick(8) == 0 ? in.pick(",,", ";", " ", "") : ",");
            }
            String name = in.pick(FLAGS);
            switch (in.pick(6)) {
                case 0 -> b.append(in.bool() ? '+' : '-').append(name);
                case 1, 2 -> b.append(name).append('=').append(value(in));
                case 3 -> b.append(name.replace('-', '_'));
                default -> b.append(name);
            }
        }
        return b.toString();
    }
}
