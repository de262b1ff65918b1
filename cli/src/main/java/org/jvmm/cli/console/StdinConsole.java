// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.console;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Optional;

/**
 * jvmm's stdin as the guest's console input. When stdin is a terminal and the guest's output goes
 * to stdout, the terminal is raw for this object's lifetime and the {@link EscapeKeys} are live;
 * otherwise (pipes, files, /dev/null, a console file) stdin passes through untouched.
 *
 * <pre>{@code
 * try (StdinConsole stdin = StdinConsole.open(true, err);
 *         LinuxVm vm = LinuxVm.create(config, out, stdin.input())) {
 *     stdin.onQuit(() -> vm.quit("Ctrl-A x"));
 *     stdin.announceKeys();
 *     exit = vm.run(timeout);
 * }   // the terminal is back in line mode before the exit message is printed
 * }</pre>
 */
public final class StdinConsole implements AutoCloseable {
    /** The help line, printed on Ctrl-A h and by {@link #announceKeys}. */
    public static final String HELP = "console keys: Ctrl-A x quit (exit 130), Ctrl-A s ask the guest to shut down"
            + " (--vmbus), Ctrl-A Ctrl-A send Ctrl-A, Ctrl-A h help";

    private final InputStream input;
    private final Optional<RawTerminal> terminal;
    private final PrintWriter err;
    private Runnable quitAction;
    private Runnable shutdownAction;
    private boolean quitEarly;

    StdinConsole(InputStream stdin, Optional<RawTerminal> terminal, PrintWriter err) {
        this.terminal = terminal;
        this.err = err;
        this.input = terminal.isPresent() ? new EscapingInputStream(stdin, new EscapeKeys(new Actions())) : stdin;
    }

    /**
     * Opens fd 0; raw mode is tried only when {@code interactive} (the guest's output is on
     * stdout, so the user sees what the keys do). Warnings and the help line go to {@code err}.
     */
    public static StdinConsole open(boolean interactive, PrintWriter err) {
        Optional<RawTerminal> raw = interactive
                ? RawTerminal.enter(0, w -> { err.println("jvmm: warning: " + w); err.flush(); })
                : Optional.empty();
        return new StdinConsole(new FileInputStream(FileDescriptor.in), raw, err);
    }

    /**
     * Prints the keys once when they are live, for the moment the guest starts: Ctrl-C no longer
     * stops jvmm, so the user must learn how to. Not printed by {@link #open}, so that a VM that
     * fails to build still ends with its error as the only line.
     */
    public void announceKeys() {
        if (raw()) {
            printHelp();
        }
    }

    /** What the VM reads: stdin, without the escape keys when they are live. */
    public InputStream input() {
        return input;
    }

    /** True while the terminal is raw and Ctrl-A is the escape key. */
    public boolean raw() {
        return terminal.isPresent();
    }

    /** What Ctrl-A x does; runs at once if the key came before the action was known. */
    public void onQuit(Runnable action) {
        boolean runNow;
        synchronized (this) {
            quitAction = action;
            runNow = quitEarly;
        }
        if (runNow) {
            action.run();
        }
    }

    /** What Ctrl-A s does (nothing until set). */
    public synchronized void onShutdown(Runnable action) {
        shutdownAction = action;
    }

    private void printHelp() {
        err.println("jvmm: " + HELP);
        err.flush();
    }

    /** Puts the terminal back as it was. */
    @Override
    public void close() {
        terminal.ifPresent(RawTerminal::close);
    }

    private final class Actions implements EscapeKeys.Actions {
        @Override
        public void quit() {
            Runnable action;
            synchronized (StdinConsole.this) {
                action = quitAction;
                quitEarly = action == null;
            }
            if (action != null) {
                action.run();
            }
        }

        @Override
        public void help() {
            printHelp();
        }

        @Override
        public void shutdown() {
            Runnable action;
            synchronized (StdinConsole.this) {
                action = shutdownAction;
            }
            if (action != null) {
                action.run();
            } else {
                err.println("jvmm: Ctrl-A s: this VM has no way to ask its guest to shut down (run it with --vmbus)");
                err.flush();
            }
        }
    }
}
