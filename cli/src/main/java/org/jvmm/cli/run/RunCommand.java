// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jvmm.vmm.linux.LinuxVm;
import org.jvmm.vmm.linux.LinuxVmConfig;
import org.jvmm.vmm.linux.LinuxVmExit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jvmm run}: boots a Linux kernel directly with its console on the serial port, and exits
 * with a code that says how the guest ended (see the help footer and {@link LinuxVmExit}).
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Boot a Linux kernel (bzImage or vmlinux) directly, with its console on COM1 (ttyS0).",
            "Host stdin is the guest's serial input; end of stdin does not stop the guest."
        },
        footer = {
            "",
            "Exit status:",
            "  0    the guest rebooted (reboot -f: i8042 reset, reset event, or a",
            "       triple fault after \"Restarting system\") or powered off/halted",
            "  N    the guest wrote v to the debug-exit port 0x501: N = (v << 1) | 1,",
            "       as QEMU's isa-debug-exit; e.g. in the guest",
            "       printf '\\005' | dd of=/dev/port bs=1 seek=1281   gives 11",
            "  1    bad input (kernel, initrd, sizes, files) or no usable KVM",
            "  2    bad usage (unknown option, malformed value)",
            "  4    the VM failed: KVM internal error, failed entry, or a triple",
            "       fault the guest did not announce (registers in the log)",
            "  6    the guest kernel panicked",
            "  124  --timeout expired",
        })
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--kernel", required = true, paramLabel = "FILE", description = "Kernel: bzImage or ELF vmlinux.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initial ramdisk (e.g. a cpio initramfs).")
    Path initrd;

    @Option(names = "--cmdline", paramLabel = "STR",
            description = "Kernel command line (default: ${DEFAULT-VALUE}).")
    String cmdline = LinuxVmConfig.DEFAULT_CMDLINE;

    @Option(names = "--memory", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Guest RAM: 512M, 2G, 1073741824 (default: 512M).")
    long memory = 512L << 20;

    @Option(names = "--cpus", paramLabel = "N", description = "vCPUs (default: ${DEFAULT-VALUE}).")
    int cpus = 1;

    @Option(names = "--console", paramLabel = "stdio|file:PATH", converter = ConsoleTarget.Converter.class,
            description = "Where guest console output goes (default: stdio).")
    ConsoleTarget console = ConsoleTarget.STDIO;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop the guest and exit 124 after this long: 500ms, 30s, 2m.")
    Duration timeout;

    /** The VM config these options describe. */
    LinuxVmConfig config() {
        return new LinuxVmConfig(kernel, Optional.ofNullable(initrd), cmdline, memory, cpus, List.of());
    }

    @Override
    public Integer call() throws IOException {
        LinuxVmConfig config = config();
        LinuxVmExit exit;
        try (OutputStream out = console.open();
                LinuxVm vm = LinuxVm.create(config, out, new FileInputStream(FileDescriptor.in))) {
            exit = vm.run(Optional.ofNullable(timeout));
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println("jvmm: " + exit.message());
        err.flush();
        return exit.exitCode();
    }
}
