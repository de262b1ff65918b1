// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.console;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jvmm.bindings.libc.LibC;

/**
 * A pseudo-terminal for tests: the master end plays the user's keyboard and screen, the slave end
 * is the terminal jvmm would have as stdin. Test-only downcalls (posix_openpt, grantpt, unlockpt,
 * ptsname_r); the rest goes through LibC.
 */
public final class Pty implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle POSIX_OPENPT = link("posix_openpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GRANTPT = link("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle UNLOCKPT = link("unlockpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PTSNAME_R = link("ptsname_r",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));

    public final int master;
    public final int slave;
    public final String slavePath;

    private Pty(int master, int slave, String slavePath) {
        this.master = master;
        this.slave = slave;
        this.slavePath = slavePath;
    }

    public static Pty open() throws Throwable {
        int master = (int) POSIX_OPENPT.invokeExact(LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
        if (master < 0 || (int) GRANTPT.invokeExact(master) != 0 || (int) UNLOCKPT.invokeExact(master) != 0) {
            throw new AssertionError("cannot open a pseudo-terminal (posix_openpt/grantpt/unlockpt)");
        }
        String path;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(128);
            if ((int) PTSNAME_R.invokeExact(master, name, name.byteSize()) != 0) {
                throw new AssertionError("ptsname_r failed");
            }
            path = name.getString(0);
        }
        int slave = LibC.open(path, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
        return new Pty(master, slave, path);
    }

    @SuppressWarnings("restricted")
    private static MethodHandle link(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    public static void write(int fd, String text) {
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
            MemorySegment buf = arena.allocate(bytes.length);
            buf.copyFrom(MemorySegment.ofArray(bytes));
            if (LibC.write(fd, buf) != bytes.length) {
                throw new AssertionError("short write to fd " + fd);
            }
        }
    }

    /** What arrives on {@code fd} until {@code want} bytes came or {@code millis} passed without more. */
    public static String read(int fd, int want, int millis) {
        byte[] got = new byte[0];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfd = arena.allocate(LibC.POLLFD);
            MemorySegment buf = arena.allocate(256);
            while (got.length < want) {
                pfd.set(JAVA_INT, 0, fd);
                pfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
                if (LibC.pollOrErrno(pfd, 1, millis) <= 0) {
                    break;
                }
                int n = (int) LibC.read(fd, buf.asSlice(0, Math.min(256, want - got.length)));
                if (n <= 0) {
                    break;
                }
                int old = got.length;
                got = Arrays.copyOf(got, old + n);
                MemorySegment.copy(buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, got, old, n);
            }
        }
        return new String(got, StandardCharsets.ISO_8859_1);
    }

    /** The slave's settings right now, as a fresh zeroed-then-filled struct termios. */
    public MemorySegment settings(Arena arena) {
        MemorySegment t = org.jvmm.bindings.libc.termios.allocate(arena);
        LibC.tcgetattr(slave, t);
        return t;
    }

    @Override
    public void close() {
        LibC.close(slave);
        LibC.close(master);
    }
}
