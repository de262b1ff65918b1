// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.config.DomainSpec;
import org.jvmm.hyperv.config.HypervElementFile;
import org.jvmm.hyperv.config.QemuHvFlags;
import picocli.CommandLine.Option;

/**
 * Where a VM's Hyper-V settings come from: {@code --hv} (QEMU's {@code hv-*} syntax) or
 * {@code --hyperv} (a file holding one libvirt {@code <hyperv>} element), which replace the
 * settings of a {@code --domain} file as a whole; otherwise the domain's own.
 */
public final class HypervOptions {
    @Option(names = "--hv", paramLabel = "LIST",
            description = "Hyper-V enlightenments in QEMU's -cpu syntax, e.g. "
                    + "hv-relaxed,hv-vpindex,hv-spinlocks=0x1fff,hv-vendor-id=KVMKVMKVM,kvm=off.")
    String flags;

    @Option(names = "--hyperv", paramLabel = "FILE",
            description = "A file holding a libvirt <hyperv> element.")
    Path hypervFile;

    @Option(names = "--vmbus",
            description = "Offer VMBus (an ACPI VMBus device and jvmm's VMBus server) to the guest; "
                    + "needs hv-synic, hv-vpindex and kvm=off.")
    boolean vmbus;

    @Option(names = "--balloon",
            description = "With --vmbus, offer Hyper-V dynamic memory (hv_balloon): the guest's size can then "
                    + "be changed while it runs (QMP 'balloon').")
    boolean balloon;

    @Option(names = "--hv-eventfd", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With --vmbus, the guest's channel signals (HvSignalEvent) are taken inside KVM where it "
                    + "can (KVM_HYPERV_EVENTFD) and wake a jvmm thread without a vCPU exit; --no-hv-eventfd keeps "
                    + "them on the exit path.")
    boolean hvEventfd;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "30s",
            description = "With --vmbus, how long SIGTERM (or Ctrl-A s) waits for the guest to power off "
                    + "after asking it, before jvmm stops the VM and exits 143 (default: ${DEFAULT-VALUE}).")
    java.time.Duration shutdownGrace;

    /**
     * The requested settings, or empty when none were asked for. QEMU's warnings (such as a
     * truncated vendor id) go to {@code warn}.
     */
    Optional<HvConfig> resolve(Optional<DomainSpec> domain, Consumer<String> warn) {
        if (flags != null && hypervFile != null) {
            throw new RunInputException("--hv and --hyperv both give Hyper-V settings; use one");
        }
        if (flags != null) {
            QemuHvFlags.Result parsed = QemuHvFlags.parse(flags);
            parsed.warnings().forEach(warn);
            return Optional.of(parsed.config());
        }
        if (hypervFile != null) {
            return Optional.of(HypervElementFile.parse(hypervFile));
        }
        return domain.map(DomainSpec::hyperv);
    }

    /** True when the settings ask for nothing, so no Hyper-V extension is needed at all. */
    static boolean isEmpty(HvConfig config) {
        return config.equals(HvConfig.defaults());
    }
}
