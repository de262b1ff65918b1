// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.console;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jvmm.bindings.libc.ErrnoException;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.bindings.libc.termios;

/**
 * A terminal in raw mode for as long as this object is open, the way QEMU's stdio character
 * device sets up its terminal for {@code -nographic}: keys reach the guest one by one, unechoed,
 * with Ctrl-C, Ctrl-Z and Ctrl-\ as plain bytes, and carriage return left a carriage return.
 * Output post-processing stays on, so the host terminal still turns the "\n" of jvmm's own
 * messages into a new line at column 0.
 *
 * <p>The settings found on entry are restored by {@link #close} and, should the JVM end any other
 * way (System.exit, SIGTERM, SIGINT, SIGHUP), by a shutdown hook; whichever runs first restores,
 * the other does nothing. Only SIGKILL and a JVM crash leave the terminal raw ({@code stty sane}
 * mends it).
 */
public final class RawTerminal implements AutoCloseable {
    /** The call that enters raw mode, replaceable so a test can make the terminal refuse. */
    interface SetAttr {
        void tcsetattr(int fd, MemorySegment termios);
    }

    private static final SetAttr LIBC = (fd, t) -> LibC.tcsetattr(fd, LibC.TCSANOW, t);

    private final int fd;
    /** The settings to restore. GC-managed: the shutdown hook may read it after close() ran. */
    private final MemorySegment saved;
    private final Consumer<String> warn;
    private final AtomicBoolean restored = new AtomicBoolean();
    private final Thread hook;

    private RawTerminal(int fd, MemorySegment saved, Consumer<String> warn) {
        this.fd = fd;
        this.saved = saved;
        this.warn = warn;
        this.hook = Thread.ofPlatform().name("jvmm-restore-terminal").unstarted(this::restore);
    }

    /**
     * Puts {@code fd} in raw mode when it is a terminal. Empty when it is not one (a pipe, a file,
     * /dev/null: nothing changes), and when the terminal refuses: then one warning line goes to
     * {@code warn} and the console carries on in line mode.
     */
    public static Optional<RawTerminal> enter(int fd, Consumer<String> warn) {
        return enter(fd, warn, LIBC);
    }

    static Optional<RawTerminal> enter(int fd, Consumer<String> warn, SetAttr setAttr) {
        if (!LibC.isatty(fd)) {
            return Optional.empty();
        }
        MemorySegment saved = termios.allocate(Arena.ofAuto());
        try (Arena arena = Arena.ofConfined()) {
            LibC.tcgetattr(fd, saved);
            MemorySegment raw = termios.allocate(arena);
            raw.copyFrom(saved);
            makeRaw(raw);
            setAttr.tcsetattr(fd, raw);
        } catch (ErrnoException e) {
            warn.accept("cannot put the terminal in raw mode, keys stay in line mode: " + e.getMessage());
            return Optional.empty();
        }
        RawTerminal terminal = new RawTerminal(fd, saved, warn);
        try {
            Runtime.getRuntime().addShutdownHook(terminal.hook);
        } catch (IllegalStateException e) {   // the JVM is already exiting
            terminal.restore();
            return Optional.empty();
        }
        return Optional.of(terminal);
    }

    /**
     * Turns a copy of the terminal's settings into raw ones, changing only what raw mode needs
     * (QEMU's list): the speeds, the control characters other than VMIN/VTIME and the output
     * flags other than OPOST stay as the user had them.
     */
    static void makeRaw(MemorySegment t) {
        // Input: no CR/NL translation, no XON/XOFF flow control (Ctrl-S, Ctrl-Q reach the guest),
        // no 8th-bit stripping, and a break or parity error is no signal and no marker bytes.
        termios.c_iflag(t, termios.c_iflag(t) & ~(LibC.IGNBRK | LibC.BRKINT | LibC.PARMRK | LibC.ISTRIP
                | LibC.INLCR | LibC.IGNCR | LibC.ICRNL | LibC.IXON));
        termios.c_oflag(t, termios.c_oflag(t) | LibC.OPOST);
        // No echo, no line editing, no Ctrl-V, and keys raise no signals: Ctrl-C is the guest's.
        termios.c_lflag(t, termios.c_lflag(t) & ~(LibC.ECHO | LibC.ECHONL | LibC.ICANON | LibC.IEXTEN | LibC.ISIG));
        termios.c_cflag(t, termios.c_cflag(t) & ~(LibC.CSIZE | LibC.PARENB) | LibC.CS8);
        // read() returns as soon as one byte is there, with no inter-byte timer.
        termios.c_cc(t, LibC.VMIN, (byte) 1);
        termios.c_cc(t, LibC.VTIME, (byte) 0);
    }

    /** The terminal's fd. */
    public int fd() {
        return fd;
    }

    /** Puts the saved settings back once; later calls (and the other of close/hook) do nothing. */
    private void restore() {
        if (restored.compareAndSet(false, true)) {
            try {
                LibC.tcsetattr(fd, LibC.TCSANOW, saved);
            } catch (ErrnoException e) {
                warn.accept("cannot restore the terminal settings (run 'stty sane'): " + e.getMessage());
            }
        }
    }

    /** Restores the terminal as it was on entry. */
    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is exiting and the hook may be running: restore() ran once either way.
        }
    }
}
