// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import org.jvmm.cli.qmp.BalloonCommand;
import org.jvmm.cli.qmp.StatusCommand;
import org.jvmm.cli.run.RunCommand;
import picocli.CommandLine.Command;

/** The top-level {@code jvmm} command; the work happens in its subcommands. */
@Command(
        name = "jvmm",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        subcommands = {ProbeCommand.class, RunCommand.class, StatusCommand.class, BalloonCommand.class},
        description = "A KVM virtual machine monitor in Java with QEMU-compatible Hyper-V enlightenments.")
final class JvmmCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
