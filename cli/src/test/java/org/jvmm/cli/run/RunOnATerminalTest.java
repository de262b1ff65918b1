// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.bindings.libc.termios;
import org.jvmm.cli.console.Pty;
import org.jvmm.cli.console.StdinConsole;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvmm run} in a child process whose stdin is the slave of a pseudo-terminal the test
 * types into, with tiny port-I/O guests this host's KVM runs (vmm's TinyKernel): Ctrl-C and CR
 * reach the guest as bytes, Ctrl-A x quits with 130, and every way out leaves the terminal
 * exactly as it was.
 */
class RunOnATerminalTest {
    private static final long LIMIT_MS = 60_000;

    @TempDir
    static Path dir;
    static Path echo;
    static Path spin;

    @BeforeAll
    static void kernels() throws Exception {
        // vmm's test helper is package-private; the cli tests reach it on the test class path.
        Method build = Class.forName("org.jvmm.vmm.linux.TinyKernel")
                .getDeclaredMethod("build", Path.class, String.class, String.class, String.class);
        build.setAccessible(true);
        // Echoes bytes until '.', then exits through the debug port with the byte count.
        echo = (Path) build.invoke(null, dir, "echo", "", """
                  xor ecx, ecx
                2: call getc
                  mov bl, al
                  call putc
                  inc ecx
                  cmp bl, 0x2e
                  jne 2b
                  mov al, cl
                  mov dx, 0x501
                  out dx, al
                  hlt
                """);
        spin = (Path) build.invoke(null, dir, "spin", "up\n", "9: jmp 9b\n");
    }

    /** A jvmm child with the pty slave as stdin; stdout and stderr collected. */
    private record Child(Process process, Collected out, Collected err) {
        static Child start(Pty pty, String... args) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
            if ("1".equals(System.getenv("JVMM_HVLAB"))) {
                cmd.add("-XX:TieredStopAtLevel=1");   // as JvmmProcess: C2 patching races QEMU's TCG
            }
            cmd.addAll(List.of("-cp", JvmmProcess.classPath(), "org.jvmm.cli.Main"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectInput(new File(pty.slavePath)).start();
            return new Child(p, new Collected(p.getInputStream()), new Collected(p.getErrorStream()));
        }

        void awaitStderr(String text) throws InterruptedException {
            await(err, text);
        }

        /** Waits for the guest's output, so keys typed next reach a running guest. */
        void awaitStdout(String text) throws InterruptedException {
            await(out, text);
        }

        private void await(Collected stream, String text) throws InterruptedException {
            long end = System.currentTimeMillis() + LIMIT_MS;
            while (!stream.text().contains(text)) {
                if (!process.isAlive() || System.currentTimeMillis() > end) {
                    throw new AssertionError("no '" + text + "' on stderr: " + err.text() + " / stdout: " + out.text());
                }
                Thread.sleep(20);
            }
        }

        int exit() throws InterruptedException {
            if (!process.waitFor(LIMIT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("jvmm did not end; stderr: " + err.text());
            }
            out.thread.join(5000);
            err.thread.join(5000);
            return process.exitValue();
        }
    }

    private static final class Collected {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        final Thread thread;

        Collected(InputStream in) {
            thread = Thread.ofPlatform().daemon(true).start(() -> {
                try {
                    in.transferTo(new java.io.OutputStream() {
                        @Override
                        public void write(int b) {
                            synchronized (buf) {
                                buf.write(b);
                            }
                        }

                        @Override
                        public void write(byte[] b, int off, int len) {
                            synchronized (buf) {
                                buf.write(b, off, len);
                            }
                        }
                    });
                } catch (IOException e) {
                    // the child ended
                }
            });
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    @Test
    void helpNamesTheKeysAndTheExitStatus() {
        java.io.StringWriter out = new java.io.StringWriter();
        int code = org.jvmm.cli.Main.run(new java.io.PrintWriter(out), new java.io.PrintWriter(new java.io.StringWriter()),
                "run", "--help");
        assertEquals(0, code);
        String help = out.toString();
        for (String line : List.of("Ctrl-A x        quit jvmm (exit status 130)", "Ctrl-A Ctrl-A   send one Ctrl-A",
                "Ctrl-A h        print these keys", "130  Ctrl-A x on the console")) {
            assertTrue(help.contains(line), "'" + line + "' missing from:\n" + help);
        }
    }

    @Test
    void ctrlCCarriageReturnAndADoubledCtrlAReachTheGuestAsBytes() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            Child jvmm = Child.start(pty, "run", "--kernel", echo.toString(), "--memory", "64M", "--timeout", "60s");
            jvmm.awaitStderr(StdinConsole.HELP);
            assertEquals(0, termios.c_lflag(pty.settings(arena)) & (LibC.ICANON | LibC.ISIG | LibC.ECHO));
            Pty.write(pty.master, "a\u0003\r\u0001\u0001\u0001h.");
            int code = jvmm.exit();
            assertEquals("a\u0003\r\u0001.", jvmm.out.text());
            assertEquals((5 << 1) | 1, code, jvmm.err.text());
            String help = "jvmm: " + StdinConsole.HELP + "\n";
            assertTrue(jvmm.err.text().startsWith(help + help), jvmm.err.text());
            assertEquals("", Pty.read(pty.master, 1, 100), "nothing echoed");
            assertEquals(-1, pty.settings(arena).mismatch(before), "terminal not restored");
        }
    }

    @Test
    void ctrlAXQuitsWith130AndRestoresTheTerminal() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            Child jvmm = Child.start(pty, "run", "--kernel", spin.toString(), "--memory", "64M", "--timeout", "60s");
            jvmm.awaitStderr(StdinConsole.HELP);
            jvmm.awaitStdout("up\n");
            Pty.write(pty.master, "\u0001x");
            assertEquals(130, jvmm.exit(), jvmm.err.text());
            assertTrue(jvmm.err.text().endsWith("jvmm: stopped by the user (Ctrl-A x)\n"), jvmm.err.text());
            assertEquals("up\n", jvmm.out.text());
            assertEquals(-1, pty.settings(arena).mismatch(before), "terminal not restored");
        }
    }

    @Test
    void theTimeoutRestoresTheTerminal() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            Child jvmm = Child.start(pty, "run", "--kernel", spin.toString(), "--memory", "64M", "--timeout", "1s");
            assertEquals(124, jvmm.exit(), jvmm.err.text());
            assertTrue(jvmm.err.text().contains(StdinConsole.HELP), "raw mode was on: " + jvmm.err.text());
            assertEquals(-1, pty.settings(arena).mismatch(before), "terminal not restored");
        }
    }

    @Test
    void sigtermRestoresTheTerminalThroughTheShutdownHook() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            Child jvmm = Child.start(pty, "run", "--kernel", spin.toString(), "--memory", "64M", "--timeout", "60s");
            jvmm.awaitStderr(StdinConsole.HELP);
            assertTrue(pty.settings(arena).mismatch(before) >= 0, "not raw while running");
            jvmm.process.destroy();   // SIGTERM
            assertEquals(128 + 15, jvmm.exit(), jvmm.err.text());
            assertEquals(-1, pty.settings(arena).mismatch(before), "terminal not restored");
        }
    }

    @Test
    void aKernelThatFailsToLoadLeavesOneLineAndTheTerminalAsItWas() throws Throwable {
        Path corrupt = Files.writeString(dir.resolve("corrupt"), "not a kernel\n".repeat(100));
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            Child jvmm = Child.start(pty, "run", "--kernel", corrupt.toString(), "--memory", "64M");
            assertEquals(1, jvmm.exit(), jvmm.err.text());
            String err = jvmm.err.text().strip();
            assertFalse(err.contains("\n"), err);
            assertTrue(err.startsWith("jvmm: ") && err.contains(corrupt.toString()), err);
            assertEquals(-1, pty.settings(arena).mismatch(before), "terminal not restored");
        }
    }

    @Test
    void aConsoleFileLeavesTheTerminalInLineMode() throws Throwable {
        Path log = dir.resolve("console.log");
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            Child jvmm = Child.start(pty, "run", "--kernel", echo.toString(), "--memory", "64M",
                    "--console", "file:" + log, "--timeout", "60s");
            // In line mode the terminal turns CR into NL and holds the bytes until the line ends.
            Pty.write(pty.master, "ab.\r");
            assertEquals(7, jvmm.exit(), jvmm.err.text());
            assertEquals("ab.", Files.readString(log));
            assertFalse(jvmm.err.text().contains(StdinConsole.HELP), jvmm.err.text());
            assertEquals("ab.\r\n", Pty.read(pty.master, 5, 2000), "the terminal echoes in line mode");
            assertEquals(-1, pty.settings(arena).mismatch(before));
        }
    }
}
