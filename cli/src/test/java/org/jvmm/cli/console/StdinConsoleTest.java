// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The stdin wiring: pass-through without a terminal, escape keys and restore with one. */
class StdinConsoleTest {
    private final StringWriter err = new StringWriter();

    @Test
    void withoutATerminalStdinPassesThroughUntouched() throws IOException {
        InputStream stdin = new ByteArrayInputStream(new byte[] {1, 'x', 1, 1});
        try (StdinConsole console = new StdinConsole(stdin, Optional.empty(), new PrintWriter(err))) {
            assertFalse(console.raw());
            assertSame(stdin, console.input());
            console.announceKeys();
            assertEquals(4, console.input().readAllBytes().length);
        }
        assertEquals("", err.toString());
    }

    @Test
    void onAPtyTheKeysActAndCloseRestoresTheTerminal() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            AtomicInteger quits = new AtomicInteger();
            StdinConsole console = new StdinConsole(
                    new ByteArrayInputStream("hi\u0001h\u0001x".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
                    RawTerminal.enter(pty.slave, w -> err.write(w)), new PrintWriter(err, true));
            assertTrue(console.raw());
            assertEquals("", err.toString(), "nothing printed before announceKeys");
            console.announceKeys();
            // The key comes before the VM exists: the action runs as soon as it is known.
            assertEquals("hi", new String(console.input().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1));
            assertEquals(0, quits.get());
            console.onQuit(quits::incrementAndGet);
            assertEquals(1, quits.get());
            String line = "jvmm: " + StdinConsole.HELP + System.lineSeparator();
            assertEquals(line + line, err.toString(), "announced, then Ctrl-A h");
            console.close();
            assertEquals(-1, pty.settings(arena).mismatch(before));
        }
    }

    @Test
    void aQuitAfterTheActionIsKnownRunsItAtOnce() throws Throwable {
        try (Pty pty = Pty.open()) {
            AtomicInteger quits = new AtomicInteger();
            try (StdinConsole console = new StdinConsole(new ByteArrayInputStream(new byte[] {1, 'x'}),
                    RawTerminal.enter(pty.slave, w -> err.write(w)), new PrintWriter(err, true))) {
                console.onQuit(quits::incrementAndGet);
                assertEquals(-1, console.input().read());
                assertEquals(1, quits.get());
            }
        }
    }
}
