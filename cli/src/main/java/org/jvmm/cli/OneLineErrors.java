// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import java.io.PrintWriter;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.vmm.VmmException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into the one line a user reads: {@code jvmm: <what went wrong>}. This is
 * the only place that prints exceptions.
 */
final class OneLineErrors implements IExecutionExceptionHandler, IParameterExceptionHandler {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_SOFTWARE = 70;

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("jvmm: " + printable(e.getMessage()) + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
        return EXIT_USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof VmmException || e instanceof UserInputException) {
            err.println("jvmm: " + printable(e.getMessage()));
            debugTrace(e, err);
            return EXIT_FAILURE;
        }
        err.println("jvmm: internal error: " + printable(String.valueOf(e)) + (debugEnabled() ? "" : " (set JVMM_DEBUG=1 for details)"));
        debugTrace(e, err);
        return EXIT_SOFTWARE;
    }

    /**
     * The message with control characters escaped ({@code \\r}, {@code \\x1b}): messages quote
     * what the user gave (option values, file names, XML), which may hold a line break that
     * would split the one line, or a terminal escape sequence.
     */
    static String printable(String message) {
        return message == null ? "" : HvConfigException.oneLine(message);
    }

    private static boolean debugEnabled() {
        String v = System.getenv("JVMM_DEBUG");
        return v != null && !v.isEmpty() && !v.equals("0");
    }

    private static void debugTrace(Exception e, PrintWriter err) {
        if (debugEnabled()) {
            e.printStackTrace(err);
        }
    }
}
