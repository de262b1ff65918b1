// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import java.io.PrintWriter;
import org.jvmm.cli.run.SizeConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jvmm balloon SOCKET SIZE}: QMP's {@code balloon} from the command line. */
@Command(name = "balloon", mixinStandardHelpOptions = true,
        description = {"Ask a running VM's balloon to bring the guest's memory to SIZE.",
            "The guest gets there at its own pace; 'jvmm status' shows where it is."},
        footer = {"",
            "Exit status:",
            "  0  the target was set (the guest may not have reached it yet)",
            "  1  the socket cannot be reached, or the connection failed or timed out (10 s)",
            "  2  bad usage",
            "  3  the VM answered with a QMP error (its class and text are printed)"})
public final class BalloonCommand extends QmpCliCommand {
    @Parameters(index = "1", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Target guest memory: 512M, 1G, 1073741824.")
    long size;

    @Override
    void run(QmpClient qmp, PrintWriter out) {
        qmp.execute("balloon", QmpJson.object().put("value", size));
        out.println("balloon target set to " + bytes(size));
    }
}
