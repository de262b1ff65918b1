// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.bindings.libc.termios;
import org.jvmm.cli.console.Pty;
import org.jvmm.cli.console.StdinConsole;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvmm run} in a child process whose stdin is the slave of a pseudo-terminal the test
 * types into, with tiny port-I/O guests this host's KVM runs (vmm's TinyKernel): Ctrl-C and CR
 * reach the guest as bytes, Ctrl-A x quits with 130, and every way out leaves the terminal
 * exactly as it was.
 */
class RunOnATerminalTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

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

    /** A jvmm child with the pty slave as stdin. */
    private static JvmmProcess start(Pty pty, String... args) throws IOException {
        return JvmmProcess.start(new File(pty.slavePath), args);
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
    @Tag("kvm")
    void ctrlCCarriageReturnAndADoubledCtrlAReachTheGuestAsBytes() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            JvmmProcess jvmm = start(pty, "run", "--kernel", echo.toString(), "--memory", "64M", "--timeout", "60s");
            jvmm.awaitStderr(StdinConsole.HELP, LIMIT);
            assertEquals(0, termios.c_lflag(pty.settings(arena)) & (LibC.ICANON | LibC.ISIG | LibC.ECHO));
            Pty.write(pty.master, "a\u0003\r\u0001\u0001\u0001h.");
            int code = jvmm.waitFor(LIMIT);
            assertEquals("a\u0003\r\u0001.", jvmm.rawStdout());
            assertEquals((5 << 1) | 1, code, jvmm.stderr());
            String help = "jvmm: " + StdinConsole.HELP + "\n";
            assertTrue(jvmm.stderr().startsWith(help + help), jvmm.stderr());
            assertEquals("", Pty.read(pty.master, 1, 100), "nothing echoed");
            assertEquals(-1, pty.settings(arena).mismatch(before), "terminal not restored");
        }
    }

    @Test
    @Tag("kvm")
    void ctrlAXQuitsWith130AndRestoresTheTerminal() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            JvmmProcess jvmm = start(pty, "run", "--kernel", spin.toString(), "--memory", "64M", "--timeout", "60s");
            jvmm.awaitStderr(StdinConsole.HELP, LIMIT);
            jvmm.awaitStdout("up\n", LIMIT);
            Pty.write(pty.master, "\u0001x");
            assertEquals(130, jvmm.waitFor(LIMIT), jvmm.stderr());
            assertTrue(jvmm.stderr().endsWith("jvmm: stopped by the user (Ctrl-A x)\n"), jvmm.stderr());
            assertEquals("up\n", jvmm.rawStdout());
            assertEquals(-1, pty.settings(arena).mismatch(before), "terminal not restored");
        }
    }

    @Test
    @Tag("kvm")
    void theTimeoutRestoresTheTerminal() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            JvmmProcess jvmm = start(pty, "run", "--kernel", spin.toString(), "--memory", "64M", "--timeout", "1s");
            assertEquals(124, jvmm.waitFor(LIMIT), jvmm.stderr());
            assertTrue(jvmm.stderr().contains(StdinConsole.HELP), "raw mode was on: " + jvmm.stderr());
            assertEquals(-1, pty.settings(arena).mismatch(before), "terminal not restored");
        }
    }

    @Test
    @Tag("kvm")
    void sigtermRestoresTheTerminalThroughTheShutdownHook() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            JvmmProcess jvmm = start(pty, "run", "--kernel", spin.toString(), "--memory", "64M", "--timeout", "60s");
            jvmm.awaitStderr(StdinConsole.HELP, LIMIT);
            assertTrue(pty.settings(arena).mismatch(before) >= 0, "not raw while running");
            jvmm.terminate();   // SIGTERM
            assertEquals(128 + 15, jvmm.waitFor(LIMIT), jvmm.stderr());
            assertEquals(-1, pty.settings(arena).mismatch(before), "terminal not restored");
        }
    }

    @Test
    @Tag("kvm")
    void aKernelThatFailsToLoadLeavesOneLineAndTheTerminalAsItWas() throws Throwable {
        Path corrupt = Files.writeString(dir.resolve("corrupt"), "not a kernel\n".repeat(100));
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            JvmmProcess jvmm = start(pty, "run", "--kernel", corrupt.toString(), "--memory", "64M");
            assertEquals(1, jvmm.waitFor(LIMIT), jvmm.stderr());
            String err = jvmm.stderr().strip();
            assertFalse(err.contains("\n"), err);
            assertTrue(err.startsWith("jvmm: ") && err.contains(corrupt.toString()), err);
            assertEquals(-1, pty.settings(arena).mismatch(before), "terminal not restored");
        }
    }

    @Test
    @Tag("kvm")
    void aConsoleFileLeavesTheTerminalInLineMode() throws Throwable {
        Path log = dir.resolve("console.log");
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            JvmmProcess jvmm = start(pty, "run", "--kernel", echo.toString(), "--memory", "64M",
                    "--console", "file:" + log, "--timeout", "60s");
            // In line mode the terminal turns CR into NL and holds the bytes until the line ends.
            Pty.write(pty.master, "ab.\r");
            assertEquals(7, jvmm.waitFor(LIMIT), jvmm.stderr());
            assertEquals("ab.", Files.readString(log));
            assertFalse(jvmm.stderr().contains(StdinConsole.HELP), jvmm.stderr());
            assertEquals("ab.\r\n", Pty.read(pty.master, 5, 2000), "the terminal echoes in line mode");
            assertEquals(-1, pty.settings(arena).mismatch(before));
        }
    }
}
