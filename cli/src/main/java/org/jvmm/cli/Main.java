// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import java.io.PrintWriter;
import org.jvmm.bindings.libc.LibC;
import picocli.CommandLine;

/**
 * Entry point. All user-facing failures end here as one line on stderr and a non-zero exit code:
 * picocli usage errors exit 2, domain errors ({@link org.jvmm.vmm.VmmException}) exit 1, and
 * anything unexpected exits 70 (EX_SOFTWARE) with its stack trace only when JVMM_DEBUG is set.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code = run(args);
        if (Boolean.getBoolean(DETACH_STDOUT_AT_EXIT)) {
            detachStdout();
        }
        System.exit(code);
    }

    /**
     * Set by scripts/jvmm on the run that records the AOT cache: the JVM then prints a line of
     * its own on stdout as it exits, which must not end up in the guest's console output.
     */
    static final String DETACH_STDOUT_AT_EXIT = "jvmm.detachStdoutAtExit";

    /** Points fd 1 at /dev/null once everything of ours is written; failing that, leaves it. */
    private static void detachStdout() {
        System.out.flush();
        try {
            int devNull = LibC.open("/dev/null", LibC.O_WRONLY | LibC.O_CLOEXEC);
            LibC.dup2(devNull, 1);
            LibC.close(devNull);
        } catch (RuntimeException e) {
            // Only cosmetic: the JVM's line then shows.
        }
    }

    /** Runs the command line and returns the exit code, for tests that drive the CLI in-process. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line with its output and errors sent to the given writers. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new JvmmCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(new OneLineErrors());
        cli.setParameterExceptionHandler(new OneLineErrors());
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }
}
