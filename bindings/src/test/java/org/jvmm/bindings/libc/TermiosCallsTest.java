// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The terminal calls on things that are not terminals; the pseudo-terminal tests that change
 * real settings live in the cli module, next to the raw-mode class.
 */
class TermiosCallsTest {

    @Test
    void devNullAndBadFdsAreNotTerminals() {
        int fd = LibC.open("/dev/null", LibC.O_RDONLY | LibC.O_CLOEXEC);
        try {
            assertFalse(LibC.isatty(fd));
        } finally {
            LibC.close(fd);
        }
        assertFalse(LibC.isatty(-1));
    }

    @Test
    void tcgetattrOfDevNullIsEnottyAndTcsetattrOfABadFdIsEbadf() {
        int fd = LibC.open("/dev/null", LibC.O_RDONLY | LibC.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = termios.allocate(arena);
            ErrnoException e = assertThrows(ErrnoException.class, () -> LibC.tcgetattr(fd, t));
            assertEquals(LibC.ENOTTY, e.errno());
            assertEquals("tcgetattr(" + fd + ") failed: ENOTTY (25) Inappropriate ioctl for device", e.getMessage());
            ErrnoException bad = assertThrows(ErrnoException.class, () -> LibC.tcsetattr(-1, LibC.TCSANOW, t));
            assertEquals(LibC.EBADF, bad.errno());
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void fieldAccessorsHitTheirOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = termios.allocate(arena);
            termios.c_lflag(t, 0x12345678);
            termios.c_cc(t, LibC.VMIN, (byte) 7);
            termios.c_ospeed(t, 15);
            assertEquals(0x12345678, t.get(java.lang.foreign.ValueLayout.JAVA_INT, 12));
            assertEquals(7, t.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 17 + LibC.VMIN));
            assertEquals(15, t.get(java.lang.foreign.ValueLayout.JAVA_INT, 56));
            assertEquals(60, termios.sizeof());
        }
    }
}
