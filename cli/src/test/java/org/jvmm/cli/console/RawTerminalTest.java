// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jvmm.bindings.libc.ErrnoException;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.bindings.libc.termios;
import org.junit.jupiter.api.Test;

/** Raw mode on a real pseudo-terminal: the flags, what the line discipline then does, the restore. */
class RawTerminalTest {
    private final List<String> warnings = new ArrayList<>();

    @Test
    void aNonTerminalIsLeftAloneWithoutAWarning() {
        int fd = LibC.open("/dev/null", LibC.O_RDONLY | LibC.O_CLOEXEC);
        try {
            assertTrue(RawTerminal.enter(fd, warnings::add).isEmpty());
            assertTrue(RawTerminal.enter(-1, warnings::add).isEmpty());
        } finally {
            LibC.close(fd);
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void rawModeHasQemusFlagsAndLeavesTheRestAlone() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            try (RawTerminal raw = RawTerminal.enter(pty.slave, warnings::add).orElseThrow()) {
                MemorySegment t = pty.settings(arena);
                int iflag = termios.c_iflag(t);
                int lflag = termios.c_lflag(t);
                for (int off : new int[] {LibC.IGNBRK, LibC.BRKINT, LibC.PARMRK, LibC.ISTRIP, LibC.INLCR,
                        LibC.IGNCR, LibC.ICRNL, LibC.IXON}) {
                    assertEquals(0, iflag & off, "c_iflag bit 0x" + Integer.toHexString(off));
                }
                for (int off : new int[] {LibC.ECHO, LibC.ECHONL, LibC.ICANON, LibC.IEXTEN, LibC.ISIG}) {
                    assertEquals(0, lflag & off, "c_lflag bit 0x" + Integer.toHexString(off));
                }
                assertEquals(termios.c_oflag(before) | LibC.OPOST, termios.c_oflag(t), "c_oflag: OPOST on, rest kept");
                assertEquals(LibC.ONLCR, termios.c_oflag(t) & LibC.ONLCR, "a pty starts with ONLCR and keeps it");
                assertEquals(LibC.CS8, termios.c_cflag(t) & LibC.CSIZE);
                assertEquals(0, termios.c_cflag(t) & LibC.PARENB);
                assertEquals(1, termios.c_cc(t, LibC.VMIN));
                assertEquals(0, termios.c_cc(t, LibC.VTIME));
                assertEquals(termios.c_cc(before, LibC.VINTR), termios.c_cc(t, LibC.VINTR));
                assertEquals(termios.c_ospeed(before), termios.c_ospeed(t));
                assertEquals(pty.slave, raw.fd());
            }
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void keysArriveUnchangedUnechoedAndOutputKeepsNewlineTranslation() throws Throwable {
        try (Pty pty = Pty.open(); RawTerminal raw = RawTerminal.enter(pty.slave, warnings::add).orElseThrow()) {
            // Ctrl-C, Ctrl-Z, Ctrl-\ and CR as a user types them: in cooked mode the first three
            // would be signals and CR a newline, and none of it would arrive before a line ends.
            Pty.write(pty.master, "a\u0003\u001a\u001c\r\u0001");
            assertEquals("a\u0003\u001a\u001c\r\u0001", Pty.read(pty.slave, 6, 2000));
            assertEquals("", Pty.read(pty.master, 1, 200), "nothing echoed");
            Pty.write(pty.slave, "x\n");
            assertEquals("x\r\n", Pty.read(pty.master, 3, 2000));
        }
    }

    @Test
    void closeRestoresTheSettingsByteForByteAndTheLineDisciplineWithThem() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            // Make the original distinctive, so a restore to some default would show.
            MemorySegment custom = pty.settings(arena);
            termios.c_iflag(custom, termios.c_iflag(custom) | LibC.ISTRIP);
            termios.c_cc(custom, LibC.VINTR, (byte) 0x07);
            LibC.tcsetattr(pty.slave, LibC.TCSANOW, custom);
            MemorySegment before = pty.settings(arena);

            RawTerminal raw = RawTerminal.enter(pty.slave, warnings::add).orElseThrow();
            assertTrue(pty.settings(arena).mismatch(before) >= 0, "raw mode changed nothing");
            raw.close();
            assertEquals(-1, pty.settings(arena).mismatch(before), "settings after close differ");
            raw.close();   // a second close is harmless and changes nothing
            assertEquals(-1, pty.settings(arena).mismatch(before));

            Pty.write(pty.master, "b\r");
            assertEquals("b\n", Pty.read(pty.slave, 2, 2000), "ICRNL and line mode are back");
            assertEquals("b\r\n", Pty.read(pty.master, 3, 2000), "echo is back");
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void aTerminalThatRefusesGivesOneWarningAndStaysInLineMode() throws Throwable {
        try (Pty pty = Pty.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment before = pty.settings(arena);
            Optional<RawTerminal> raw = RawTerminal.enter(pty.slave, warnings::add, (fd, t) -> {
                throw new ErrnoException("tcsetattr(" + fd + ")", LibC.EINTR);
            });
            assertTrue(raw.isEmpty());
            assertEquals(List.of("cannot put the terminal in raw mode, keys stay in line mode: tcsetattr(" + pty.slave
                    + ") failed: EINTR (4) Interrupted system call"), warnings);
            assertEquals(-1, pty.settings(arena).mismatch(before));
        }
    }

    @Test
    void makeRawOnlyTouchesRawModeBits() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = termios.allocate(arena);
            termios.c_iflag(t, -1);
            termios.c_oflag(t, 0);
            termios.c_cflag(t, LibC.PARENB | 0x0F);   // 0x0F: baud bits (CBAUD), not raw mode's business
            termios.c_lflag(t, -1);
            RawTerminal.makeRaw(t);
            int iflagCleared = LibC.IGNBRK | LibC.BRKINT | LibC.PARMRK | LibC.ISTRIP | LibC.INLCR | LibC.IGNCR
                    | LibC.ICRNL | LibC.IXON;
            assertEquals(~iflagCleared, termios.c_iflag(t));
            assertEquals(LibC.OPOST, termios.c_oflag(t));
            assertEquals(LibC.CS8 | 0x0F, termios.c_cflag(t));
            assertEquals(~(LibC.ECHO | LibC.ECHONL | LibC.ICANON | LibC.IEXTEN | LibC.ISIG), termios.c_lflag(t));
            assertEquals(1, termios.c_cc(t, LibC.VMIN));
        }
    }
}
