// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jvmm.hyperv.config.DomainSpec;
import org.jvmm.vmm.linux.LinuxVmConfig;

/**
 * Merges {@code jvmm run}'s options with a {@code --domain} file: an option given on the command
 * line wins, then the domain's value, then jvmm's default. The HPET is there unless either
 * {@code --no-hpet} or the domain's {@code <timer name='hpet' present='no'/>} removes it.
 */
record RunSettings(LinuxVmConfig vm) {
    static final long DEFAULT_MEMORY = 512L << 20;
    static final int DEFAULT_CPUS = 1;

    static RunSettings resolve(RunCommand o, Optional<DomainSpec> domain) {
        Path kernel = o.kernel != null ? o.kernel : domain.map(DomainSpec::kernel).map(Path::of).orElse(null);
        if (kernel == null) {
            throw new RunInputException(domain.isPresent()
                    ? "no kernel: the domain file has no <os><kernel> and --kernel was not given"
                    : "no kernel: give --kernel FILE (or a --domain file with <os><kernel>)");
        }
        Optional<Path> initrd = o.initrd != null
                ? Optional.of(o.initrd)
                : domain.map(DomainSpec::initrd).map(Path::of);
        String cmdline = o.cmdline != null
                ? o.cmdline
                : domain.map(DomainSpec::cmdline).orElse(LinuxVmConfig.DEFAULT_CMDLINE);
        long memory = o.memory != null ? o.memory : domain.map(DomainSpec::memoryBytes).orElse(DEFAULT_MEMORY);
        int cpus = o.cpus != null ? o.cpus : domain.map(DomainSpec::vcpus).orElse(DEFAULT_CPUS);
        boolean hpet = !o.noHpet && domain.map(DomainSpec::hpet).orElse(true);
        long maxMemory = o.maxMemory != null ? o.maxMemory : domain.map(DomainSpec::maxMemoryBytes).orElse(0L);
        return new RunSettings(new LinuxVmConfig(kernel, initrd, cmdline, memory, cpus, List.of(), hpet, maxMemory));
    }
}
