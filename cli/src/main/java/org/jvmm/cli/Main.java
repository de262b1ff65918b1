// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Entry point. All user-facing failures end here as one line on stderr and a non-zero exit code:
 * picocli usage errors exit 2, domain errors ({@link org.jvmm.vmm.VmmException}) exit 1, and
 * anything unexpected exits 70 (EX_SOFTWARE) with its stack trace only when JVMM_DEBUG is set.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
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
