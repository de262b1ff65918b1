// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs the {@code jvmm} command line as a child process (the test's own java and classpath,
 * {@code org.jvmm.cli.Main}) with stdin as a pipe the test writes to, and collects stdout and
 * stderr as they come, so a test can wait for a line and then type the next one.
 */
final class JvmmProcess implements AutoCloseable {
    private final Process process;
    private final Collector out;
    private final Collector err;

    private JvmmProcess(Process process) {
        this.process = process;
        this.out = new Collector(process.getInputStream());
        this.err = new Collector(process.getErrorStream());
    }

    static JvmmProcess start(String... args) throws IOException {
        return new JvmmProcess(new ProcessBuilder(command(args)).start());
    }

    /** As {@link #start(String...)}, with stdin read from {@code stdin} (e.g. a terminal) instead of a pipe. */
    static JvmmProcess start(File stdin, String... args) throws IOException {
        return new JvmmProcess(new ProcessBuilder(command(args)).redirectInput(stdin).start());
    }

    private static List<String> command(String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        if ("1".equals(System.getenv("JVMM_HVLAB"))) {
            // As scripts/jvmm does in the lab: C2's code patching can race QEMU's emulation.
            cmd.add("-XX:TieredStopAtLevel=1");
        }
        cmd.addAll(List.of("-cp", classPath(), "org.jvmm.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * The class path the child needs: the JVM's own, plus the URLs of the class loader that
     * loaded the tests when a launcher (JUnit's console launcher) adds them at run time.
     */
    static String classPath() {
        List<String> parts = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (ClassLoader cl = JvmmProcess.class.getClassLoader(); cl != null; cl = cl.getParent()) {
            if (cl instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    try {
                        parts.add(Path.of(url.toURI()).toString());
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        // not a file URL: the child cannot use it either
                    }
                }
            }
        }
        return String.join(File.pathSeparator, parts);
    }

    /** Runs to the end with stdin closed at once (like {@code </dev/null}) and returns the exit code. */
    static Result run(Duration limit, String... args) throws Exception {
        try (JvmmProcess p = start(args)) {
            p.stdin().close();
            int code = p.waitFor(limit);
            return new Result(code, p.stdout(), p.stderr());
        }
    }

    record Result(int code, String stdout, String stderr) {}

    OutputStream stdin() {
        return process.getOutputStream();
    }

    void type(String line) throws IOException {
        stdin().write(line.getBytes(StandardCharsets.US_ASCII));
        stdin().flush();
    }

    String stdout() {
        return out.text().replace("\r", "");
    }

    /** stdout byte for byte, carriage returns included. */
    String rawStdout() {
        return out.text();
    }

    long pid() {
        return process.pid();
    }

    String stderr() {
        return err.text();
    }

    /** Waits until stdout contains {@code text}; fails with what came so far if it does not in time. */
    void awaitStdout(String text, Duration limit) throws InterruptedException {
        await("stdout", this::stdout, text, limit);
    }

    /** Waits until stderr contains {@code text}; fails with what came so far if it does not in time. */
    void awaitStderr(String text, Duration limit) throws InterruptedException {
        await("stderr", this::stderr, text, limit);
    }

    private void await(String name, Supplier<String> stream, String text, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!stream.get().contains(text)) {
            if (!process.isAlive() || System.nanoTime() > end) {
                throw new AssertionError("no '" + text + "' on jvmm's " + name + " (alive=" + process.isAlive()
                        + ")\n--- stdout:\n" + stdout() + "\n--- stderr:\n" + stderr());
            }
            Thread.sleep(20);
        }
    }

    /**
     * Sends jvmm SIGTERM. Through the process handle: Process.destroy() would also close this
     * side of jvmm's stdout and stderr, and lose what jvmm prints while it ends.
     */
    void terminate() {
        process.toHandle().destroy();
    }

    int waitFor(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("jvmm did not end within " + limit + "\n--- stdout:\n" + stdout()
                    + "\n--- stderr:\n" + stderr());
        }
        out.join();
        err.join();
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    private static final class Collector {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread thread;

        Collector(InputStream in) {
            thread = Thread.ofPlatform().daemon(true).start(() -> {
                byte[] b = new byte[4096];
                try {
                    int n;
                    while ((n = in.read(b)) > 0) {
                        synchronized (buf) {
                            buf.write(b, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.ISO_8859_1);
            }
        }

        void join() throws InterruptedException {
            thread.join(5000);
        }
    }
}
