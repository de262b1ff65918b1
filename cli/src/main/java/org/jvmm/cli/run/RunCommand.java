// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jvmm.cli.VersionProvider;
import org.jvmm.cli.console.StdinConsole;
import org.jvmm.cli.qmp.QmpEvent;
import org.jvmm.cli.qmp.QmpServer;
import org.jvmm.cli.qmp.QmpVersion;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.config.DomainSpec;
import org.jvmm.hyperv.config.DomainXml;
import org.jvmm.hyperv.kvm.HvVapicData;
import org.jvmm.hyperv.kvm.HypervExtension;
import org.jvmm.hyperv.vmbus.VmbusExtension;
import org.jvmm.vmm.balloon.BalloonControl;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.kvmtrace.KvmTraceCensus;
import org.jvmm.vmm.linux.LinuxVm;
import org.jvmm.vmm.linux.LinuxVmConfig;
import org.jvmm.vmm.linux.LinuxVmExit;
import org.jvmm.vmm.spi.VmExtension;
import org.jvmm.vmm.stats.Census;
import org.jvmm.vmm.stats.CountedMsrs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
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
            "Console keys (stdin a terminal and --console stdio):",
            "  The terminal is raw while the VM runs, as with QEMU -nographic:",
            "  every key goes to the guest unechoed, Ctrl-C and Ctrl-Z included,",
            "  and the terminal is restored on exit. Pipes and files pass as they are.",
            "  Ctrl-A x        quit jvmm (exit status 130)",
            "  Ctrl-A s        ask the guest to shut down (with --vmbus)",
            "  Ctrl-A Ctrl-A   send one Ctrl-A to the guest",
            "  Ctrl-A h        print these keys on stderr",
            "",
            "Exit status:",
            "  0    the guest rebooted (reboot -f: i8042 reset, reset event, or a",
            "       triple fault after \"Restarting system\") or powered off/halted,",
            "       or a QMP client sent quit (as QEMU exits 0 for it)",
            "  N    the guest wrote v to the debug-exit port 0x501: N = (v << 1) | 1,",
            "       as QEMU's isa-debug-exit; e.g. in the guest",
            "       printf '\\005' | dd of=/dev/port bs=1 seek=1281   gives 11",
            "  1    bad input (kernel, initrd, sizes, files) or no usable KVM",
            "  2    bad usage (unknown option, malformed value, --stats-format or",
            "       --count-msrs without --stats, an MSR KVM refuses to count)",
            "  4    the VM failed: KVM internal error, failed entry, or a triple",
            "       fault the guest did not announce (registers in the log)",
            "  6    the guest kernel panicked",
            "  124  --timeout expired",
            "  130  Ctrl-A x on the console (128 + SIGINT, as a shell reports Ctrl-C)",
            "  143  SIGTERM stopped the VM (with --vmbus: after the guest did not power",
            "       off within --shutdown-grace)",
        })
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--domain", paramLabel = "FILE",
            description = "A libvirt domain XML: memory, vcpu, os kernel/initrd/cmdline and the Hyper-V"
                    + " features; the other options override it.")
    Path domain;

    @Mixin
    HypervOptions hyperv = new HypervOptions();

    @Mixin
    StatsOptions stats = new StatsOptions();

    @Option(names = "--kernel", paramLabel = "FILE", description = "Kernel: bzImage or ELF vmlinux.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initial ramdisk (e.g. a cpio initramfs).")
    Path initrd;

    @Option(names = "--cmdline", paramLabel = "STR",
            description = "Kernel command line (default: " + LinuxVmConfig.DEFAULT_CMDLINE + ").")
    String cmdline;

    @Option(names = "--memory", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Guest RAM: 512M, 2G, 1073741824 (default: 512M).")
    Long memory;

    @Option(names = "--max-memory", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Most RAM the guest may grow to while it runs, by QMP 'balloon' above --memory"
                    + " (Hyper-V dynamic memory hot-add: needs --vmbus --balloon). Default: --memory.")
    Long maxMemory;

    @Option(names = "--cpus", paramLabel = "N", description = "vCPUs (default: 1).")
    Integer cpus;

    @Option(names = "--no-hpet",
            description = "No HPET (like QEMU's -machine hpet=off; a domain file says <timer name='hpet'"
                    + " present='no'/>). The ACPI PM timer stays.")
    boolean noHpet;

    @Option(names = "--console", paramLabel = "stdio|file:PATH", converter = ConsoleTarget.Converter.class,
            description = "Where guest console output goes (default: stdio).")
    ConsoleTarget console = ConsoleTarget.STDIO;

    @Option(names = "--qmp", paramLabel = "PATH",
            description = "Listen for QMP clients (QEMU 7.2's protocol) on the UNIX socket PATH;"
                    + " see also 'jvmm status' and 'jvmm balloon'.")
    Path qmpSocket;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop the guest and exit 124 after this long: 500ms, 30s, 2m.")
    Duration timeout;

    /** The VM config these options describe, without extensions. */
    LinuxVmConfig config() {
        return RunSettings.resolve(this, loadDomain()).vm();
    }

    private Optional<DomainSpec> loadDomain() {
        return Optional.ofNullable(domain).map(DomainXml::parse);
    }

    @Override
    public Integer call() throws IOException {
        stats.check();
        PrintWriter warnings = spec.commandLine().getErr();
        Optional<DomainSpec> domainSpec = loadDomain();
        RunSettings settings = RunSettings.resolve(this, domainSpec);
        LinuxVmConfig config = settings.vm();
        Optional<HvConfig> hv = hyperv.resolve(domainSpec, w -> warnings.println("jvmm: warning: " + w));
        warnings.flush();
        if (hyperv.balloon && !hyperv.vmbus) {
            throw new RunInputException("--balloon is a VMBus device: add --vmbus");
        }
        if (config.maxMemoryBytes() > config.memoryBytes() && !hyperv.balloon) {
            throw new RunInputException("--max-memory (or a domain's <maxMemory>): memory is added by the"
                    + " dynamic-memory device: add --vmbus --balloon");
        }
        if (hyperv.vmbus && (hv.isEmpty() || HypervOptions.isEmpty(hv.get()))) {
            throw new RunInputException("--vmbus needs Hyper-V enlightenments: at least"
                    + " --hv hv-vpindex,hv-synic,kvm=off");
        }
        List<VmExtension> extensions = new ArrayList<>();
        VmbusExtension vmbus = null;
        if (hv.isPresent() && !HypervOptions.isEmpty(hv.get())) {
            HypervExtension extension;
            try (Kvm kvm = Kvm.open()) {
                extension = HypervExtension.create(hv.get(), kvm);
            }
            extensions.add(extension);
            if (hyperv.vmbus) {
                vmbus = VmbusExtension.create(extension, hyperv.balloon, hyperv.hvEventfd);
                extensions.add(vmbus);
            }
        }
        if (!stats.filterMsrs().isEmpty()) {
            extensions.add(new CountedMsrs(stats.filterMsrs(), HvVapicData.INSTANCE));
        }
        // The kernel's side of the census: KVM's Hyper-V trace points (kvm_hv_timer_state is the
        // VMX preemption timer, not Hyper-V) and kvm_msr for --count-msrs-by trace.
        KvmTraceCensus trace = !stats.enabled() ? null
                : new KvmTraceCensus("kvm_hv_", Set.of("kvm_hv_timer_state"), stats.tracedMsrs());
        if (trace != null) {
            extensions.add(trace);
        }
        config = config.withExtensions(extensions);
        LinuxVmExit exit;
        Census census = null;
        Optional<OutputStream> statsFile = stats.openFile();
        // Closed in reverse order: the VM stops, then the terminal leaves raw mode, then the
        // exit message below (or OneLineErrors' one line) prints in line mode, and the QMP
        // socket, bound before anything starts so that its problems come first, goes last.
        try (QmpServer qmp = qmpSocket == null ? null : QmpServer.bind(qmpSocket,
                        QmpVersion.of(VersionProvider.jvmmVersion()), QmpServer.DEFAULT_MAX_CLIENTS,
                        QmpServer.MAX_MESSAGE_BYTES);
                OutputStream out = console.open();
                StdinConsole stdin = StdinConsole.open(console.file().isEmpty(), warnings);
                LinuxVm vm = LinuxVm.create(config, out, stdin.input(), stats.enabled());
                GuestShutdown shutdown = vmbus == null ? null
                        : new GuestShutdown(vmbus, vm, spec.commandLine().getErr(), hyperv.shutdownGrace)) {
            stdin.onQuit(() -> vm.quit("Ctrl-A x"));
            if (shutdown != null) {
                stdin.onShutdown(() -> shutdown.ask("Ctrl-A s"));
            }
            stdin.announceKeys();
            if (qmp != null) {
                Optional<BalloonControl> balloon = balloonOf(extensions, vmbus); // devices exist once the VM is built
                VmbusExtension bus = vmbus;
                qmp.onJvmExit(QmpEvent.shutdown(false, "host-signal")); // SIGTERM or SIGINT without VMBus
                qmp.start(new VmQmpTarget(vm, Optional.ofNullable(bus == null ? null : bus::requestShutdown), balloon,
                        Optional.ofNullable(bus), qmp::emit));
                balloon.ifPresent(b -> b.onChange(actual -> qmp.emit(QmpEvent.balloonChange(actual))));
            }
            exit = vm.run(Optional.ofNullable(timeout));
            if (qmp != null) {
                qmp.emit(VmQmpTarget.shutdownEvent(exit)); // delivered before the socket closes
            }
            if (shutdown != null) {
                shutdown.report(exit.kind() == LinuxVmExit.Kind.POWER_OFF);
            }
            if (stats.enabled()) {
                census = vm.census(); // before close: KVM's statistics are read from the live fds
            }
        } catch (CountedMsrs.RefusedMsrException e) {
            closeQuietly(statsFile);
            closeTrace(trace);
            // The MSR came from the command line: naming it there is bad usage, exit 2.
            throw new ParameterException(spec.commandLine(), "--count-msrs: " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(statsFile);
            closeTrace(trace);
            throw e;
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println("jvmm: " + exit.message());
        err.flush();
        if (census != null) {
            try {
                stats.report(census, trace.status(), statsFile, err);
            } finally {
                closeQuietly(statsFile);
            }
        }
        return exit.exitCode();
    }

    /** The VM's balloon: the first extension that offers one. */
    private static Optional<BalloonControl> balloonOf(List<VmExtension> extensions, VmbusExtension vmbus) {
        if (vmbus != null && vmbus.balloon().isPresent()) {
            return Optional.of(vmbus.balloon().get());
        }
        return extensions.stream().filter(BalloonControl.class::isInstance).map(BalloonControl.class::cast).findFirst();
    }

    /**
     * A VM that failed to build never closes its extensions: remove the trace instance here
     * rather than leave it to the next jvmm (closing twice is harmless).
     */
    private static void closeTrace(KvmTraceCensus trace) {
        if (trace != null) {
            trace.close();
        }
    }

    private static void closeQuietly(Optional<OutputStream> file) {
        file.ifPresent(f -> {
            try {
                f.close();
            } catch (IOException e) {
                // Nothing more to say: the write itself already reported any failure.
            }
        });
    }
}
