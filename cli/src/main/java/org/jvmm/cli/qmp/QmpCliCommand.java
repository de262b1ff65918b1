// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What {@code jvmm balloon} and {@code jvmm status} share: the socket argument, the connection
 * with its negotiation, and the exit codes (0 done, 1 socket or connection problem, 2 bad usage,
 * 3 the VM answered with a QMP error, printed as one line).
 */
abstract class QmpCliCommand implements Callable<Integer> {
    static final int EXIT_QMP_ERROR = 3;
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SOCKET", description = "The VM's QMP socket (jvmm run --qmp SOCKET).")
    Path socket;

    @Override
    public final Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (QmpClient qmp = QmpClient.connect(socket, TIMEOUT)) {
            qmp.execute("qmp_capabilities");
            run(qmp, out);
            return 0;
        } catch (QmpError e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("jvmm: QMP error " + e.errorClass() + ": " + e.desc());
            return EXIT_QMP_ERROR;
        } finally {
            out.flush();
        }
    }

    abstract void run(QmpClient qmp, PrintWriter out);

    /** Bytes as people read them: MiB with one decimal, and the exact count. */
    static String bytes(long n) {
        return String.format("%.1f MiB (%d bytes)", n / 1048576.0, n);
    }
}
