// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code jvmm status SOCKET}: query-status and query-balloon, for people. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a running VM's state and its balloon, through its QMP socket.",
        footer = {"",
            "Exit status:",
            "  0  done",
            "  1  the socket cannot be reached, or the connection failed or timed out (10 s)",
            "  2  bad usage",
            "  3  the VM answered with a QMP error (its class and text are printed)"})
public final class StatusCommand extends QmpCliCommand {
    @Override
    void run(QmpClient qmp, PrintWriter out) {
        JsonNode status = qmp.execute("query-status");
        out.println("status:  " + status.path("status").asText() + (status.path("running").asBoolean() ? "" : " (not running)"));
        JsonNode balloon;
        try {
            balloon = qmp.execute("query-balloon");
        } catch (QmpError e) {
            if (!e.errorClass().equals(QmpError.DEVICE_NOT_ACTIVE)) {
                throw e;
            }
            out.println("balloon: none (" + e.desc() + ")");
            return;
        }
        out.println("balloon: guest memory " + bytes(balloon.path("actual").asLong()));
        JsonNode report = balloon.path(QmpCommands.LAST_REPORT);
        if (report.isObject()) {
            long ageMillis = System.currentTimeMillis() - (report.path("received").path("seconds").asLong() * 1000
                    + report.path("received").path("microseconds").asLong() / 1000);
            out.println("guest:   committed " + bytes(report.path("committed").asLong()) + ", available "
                    + bytes(report.path("available").asLong()) + String.format(", reported %.1f s ago",
                            Math.max(0, ageMillis) / 1000.0));
        } else {
            out.println("guest:   no memory report yet");
        }
    }
}
