// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

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
        CommandLine cli = new CommandLine(new JvmmCommand());
        cli.setExecutionExceptionHandler(new OneLineErrors());
        cli.setParameterExceptionHandler(new OneLineErrors());
        return cli.execute(args);
    }
}
