// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A seeded mutation fuzzer with a corpus: the short run the build executes (no agent, fixed seed)
 * and {@code scripts/fuzz --engine seeded}; Jazzer drives the same targets coverage-guided (see
 * {@link JazzerBridge}). Its feedback is the features a target says an input reached (see
 * {@link FuzzInput#reach}: exit kind, device register, status returned), not branch coverage:
 * an input reaching a feature no earlier input reached joins the corpus and is mutated further. The number of features is
 * what a run reports as its coverage, named as such: it is not branch coverage.
 *
 * <p>Budget and reproduction come from system properties, so the same test is the short CI run
 * and the long run of {@code scripts/fuzz}: {@code jvmm.fuzz.seconds} per target (default 4),
 * {@code jvmm.fuzz.seed} (default 14, fixed so CI runs the same inputs), {@code jvmm.fuzz.corpus}
 * (a directory: the corpus is loaded from and saved to {@code DIR/TARGET/}, crashes as
 * {@code crash-*.bin}), {@code jvmm.fuzz.report} (a file each run appends its summary line to),
 * {@code jvmm.fuzz.features} (print every feature reached, with how many inputs reached it).
 */
public final class FuzzEngine {
    /** A finding: the input, and what escaped or which check failed. */
    public record Finding(byte[] input, Throwable failure) {
        public String describe() {
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            String hex = HexFormat.of().formatHex(input, 0, Math.min(input.length, 512));
            return "input (" + input.length + " bytes) " + hex + "\n" + trace;
        }
    }

    /** What one run did: inputs tried, features reached (with counts), corpus, findings. */
    public record Report(String target, long inputs, Duration elapsed, Map<String, Long> features,
            int corpus, List<Finding> findings) {
        public String summary() {
            return "fuzz %s: %d inputs in %.1f s, %d features reached, corpus %d, %d findings"
                    .formatted(target, inputs, elapsed.toMillis() / 1000.0, features.size(), corpus, findings.size());
        }

        /** Fails with the first finding's input and trace, so a test run shows how to replay it. */
        public void assertNoFindings() {
            if (!findings.isEmpty()) {
                throw new AssertionError(summary() + "\nfirst finding: " + findings.get(0).describe());
            }
        }
    }

    private static final int MAX_CORPUS = 4000;
    private static final int MAX_FINDINGS = 5;

    private FuzzEngine() {}

    public static Duration budget() {
        return Duration.ofMillis((long) (Double.parseDouble(System.getProperty("jvmm.fuzz.seconds", "4")) * 1000));
    }

    public static long seed() {
        return Long.parseLong(System.getProperty("jvmm.fuzz.seed", "14"));
    }

    /** Runs {@code target} for the configured budget and seed, prints and records the summary. */
    public static Report fuzz(FuzzTarget target) {
        Report r = fuzz(target, budget(), seed(), Long.MAX_VALUE);
        System.out.println(r.summary());
        if (Boolean.getBoolean("jvmm.fuzz.features")) {
            r.features().forEach((f, n) -> System.out.println("  " + n + "\t" + f));
        }
        String reportFile = System.getProperty("jvmm.fuzz.report");
        if (reportFile != null) {
            try {
                Files.writeString(Path.of(reportFile), r.summary() + "\n",
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return r;
    }

    /** Runs until {@code budget} is spent or {@code maxInputs} inputs have run. */
    public static Report fuzz(FuzzTarget target, Duration budget, long seed, long maxInputs) {
        Random random = new Random(seed);
        Mutator mutator = new Mutator(random);
        Path corpusDir = corpusDir(target);
        List<byte[]> corpus = new ArrayList<>(target.seeds());
        corpus.addAll(load(corpusDir));
        Map<String, Long> features = new TreeMap<>();
        Map<String, Finding> findings = new LinkedHashMap<>();
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        long inputs = 0;
        // The seeds and the saved corpus run first as they are, then mutations of the corpus.
        int replay = 0;
        Watchdog watchdog = new Watchdog(target.name(), Thread.currentThread());
        try {
            while (inputs < maxInputs && System.nanoTime() < deadline && findings.size() < MAX_FINDINGS) {
                byte[] input;
                if (replay < corpus.size()) {
                    input = corpus.get(replay++);
                } else if (random.nextInt(16) == 0) {
                    input = mutator.fresh();
                } else {
                    input = mutator.mutate(corpus.get(random.nextInt(corpus.size())), corpus);
                }
                inputs++;
                FuzzInput in = new FuzzInput(input);
                watchdog.started(input);
                try {
                    target.run(in);
                } catch (Throwable t) {
                    String key = t.getClass().getName() + " at " + (t.getStackTrace().length > 0 ? t.getStackTrace()[0] : "?");
                    if (!findings.containsKey(key)) {
                        findings.put(key, new Finding(input, t));
                        save(corpusDir, "crash-" + Integer.toHexString(key.hashCode()), input);
                    }
                    continue;
                }
                boolean novel = false;
                for (String f : in.reached()) {
                    novel |= features.merge(f, 1L, Long::sum) == 1;
                }
                if (novel && replay >= corpus.size() && corpus.size() < MAX_CORPUS) {
                    corpus.add(input);
                    save(corpusDir, "c-" + Integer.toHexString(java.util.Arrays.hashCode(input)), input);
                    replay = corpus.size(); // a new entry is not replayed: it just ran
                }
            }
        } finally {
            watchdog.close();
        }
        return new Report(target.name(), inputs, Duration.ofNanos(System.nanoTime() - start), features,
                corpus.size(), List.copyOf(findings.values()));
    }

    /**
     * A hang is a finding too, but a thread stuck in a loop cannot be stopped: an input running
     * longer than {@code jvmm.fuzz.hangSeconds} (default 30) gets its input and the stack printed,
     * and the JVM halts (exit 3), which fails the test run with that output instead of a silent
     * wait for a build timeout.
     */
    private static final class Watchdog implements AutoCloseable {
        private final java.util.concurrent.ScheduledExecutorService timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().unstarted(r));
        private final String target;
        private final Thread worker;
        private final long limitNanos = (long) (Double.parseDouble(System.getProperty("jvmm.fuzz.hangSeconds", "30")) * 1e9);
        private volatile long startedAt;
        private volatile byte[] input;

        Watchdog(String target, Thread worker) {
            this.target = target;
            this.worker = worker;
            timer.scheduleAtFixedRate(this::check, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        }

        void started(byte[] in) {
            input = in;
            startedAt = System.nanoTime();
        }

        private void check() {
            byte[] in = input;
            if (in != null && System.nanoTime() - startedAt > limitNanos) {
                StringBuilder b = new StringBuilder("fuzz %s: HANG: one input ran over %d s; input %s\n".formatted(
                        target, limitNanos / 1_000_000_000L, HexFormat.of().formatHex(in, 0, Math.min(in.length, 512))));
                for (StackTraceElement e : worker.getStackTrace()) {
                    b.append("\tat ").append(e).append('\n');
                }
                System.err.print(b);
                System.out.print(b);
                System.out.flush();
                Runtime.getRuntime().halt(3);
            }
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    private static Path corpusDir(FuzzTarget target) {
        String dir = System.getProperty("jvmm.fuzz.corpus");
        return dir == null ? null : Path.of(dir, target.name());
    }

    private static List<byte[]> load(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            List<byte[]> out = new ArrayList<>();
            for (Path p : files.sorted().toList()) {
                out.add(Files.readAllBytes(p));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void save(Path dir, String name, byte[] input) {
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(name + ".bin"), input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
