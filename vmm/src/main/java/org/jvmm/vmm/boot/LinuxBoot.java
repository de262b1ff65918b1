// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * Direct kernel boot in one call, for the VM builder: loads the kernel (and initrd), writes
 * command line, zero page with e820 map, MP table, GDT and page tables, and returns the boot
 * vCPU's registers. Application processors need no state: they wait for INIT/SIPI from the BSP.
 *
 * <pre>{@code
 * LinuxBoot.Result boot = LinuxBoot.prepare(memory, new LinuxBoot.Config(
 *         Path.of("bzImage"), Optional.empty(), "console=ttyS0 reboot=k panic=-1", 2));
 * vcpu0.apply(boot.cpu());   // KVM_SET_SREGS + KVM_SET_REGS, done by the core
 * }</pre>
 */
public final class LinuxBoot {
    private LinuxBoot() {}

    public record Config(Path kernel, Optional<Path> initrd, String cmdline, int cpus) {
        public Config {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(initrd, "initrd");
            Objects.requireNonNull(cmdline, "cmdline");
        }
    }

    /** What was placed where, for logs and tests, plus the boot vCPU's state. */
    public record Result(LoadedKernel kernel, Optional<GuestLayout.Range> initrd, E820Map e820, BootCpuState cpu) {}

    public static Result prepare(GuestMemory mem, Config config) {
        if (config.cpus() < 1 || config.cpus() > MpTable.MAX_CPUS) {
            throw new BootConfigException("%d CPUs requested, jvmm boots 1 to %d".formatted(config.cpus(), MpTable.MAX_CPUS));
        }
        long room = GuestLayout.EBDA - GuestLayout.CMDLINE - 1;
        LoadedKernel kernel = KernelImage.load(config.kernel(), mem);
        Cmdline cmdline = Cmdline.of(config.cmdline(), (int) Math.min(kernel.cmdlineMax(), room));
        Optional<GuestLayout.Range> initrd = config.initrd().map(f -> Initrd.load(f, kernel, mem));
        E820Map e820 = E820Map.forMemory(mem);

        cmdline.writeTo(mem, GuestLayout.CMDLINE);
        BootParams params = new BootParams(kernel).cmdline(GuestLayout.CMDLINE).e820(e820);
        initrd.ifPresent(r -> params.ramdisk(r.gpa(), r.size()));
        params.writeTo(mem, GuestLayout.ZERO_PAGE);
        MpTable.write(mem, config.cpus());
        BootCpuState cpu = LongModeSetup.configure(mem, kernel.entry(), GuestLayout.ZERO_PAGE);
        return new Result(kernel, initrd, e820, cpu);
    }
}
