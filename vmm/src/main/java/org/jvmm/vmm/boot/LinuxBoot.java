// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jvmm.vmm.acpi.AcpiTables;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * Direct kernel boot in one call, for the VM builder: loads the kernel (and initrd), writes
 * command line, zero page with e820 map, MP table, ACPI tables (when the config has ACPI
 * devices), GDT and page tables, and returns the boot vCPU's registers. Linux prefers ACPI's
 * MADT to the MP table; with {@code acpi=off} on its command line it uses the MP table alone. Application processors need no state: they wait for INIT/SIPI from the BSP.
 *
 * <pre>{@code
 * LinuxBoot.Result boot = LinuxBoot.prepare(memory, new LinuxBoot.Config(
 *         Path.of("bzImage"), Optional.empty(), "console=ttyS0 reboot=k panic=-1", 2));
 * vcpu0.apply(boot.cpu());   // KVM_SET_SREGS + KVM_SET_REGS, done by the core
 * }</pre>
 */
public final class LinuxBoot {
    private LinuxBoot() {}

    /**
     * @param acpiDevices the DSDT's device objects ({@link org.jvmm.vmm.acpi.AcpiDevices}) when
     *     the guest gets ACPI tables; empty for none (MP table only)
     * @param acpiTables further complete ACPI tables for the XSDT (the HPET's), with ACPI only
     */
    public record Config(Path kernel, Optional<Path> initrd, String cmdline, int cpus,
            Optional<List<byte[]>> acpiDevices, List<byte[]> acpiTables) {
        public Config {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(initrd, "initrd");
            Objects.requireNonNull(cmdline, "cmdline");
            Objects.requireNonNull(acpiDevices, "acpiDevices");
            acpiDevices = acpiDevices.map(List::copyOf);
            acpiTables = List.copyOf(acpiTables);
        }

        /** Without extra ACPI tables. */
        public Config(Path kernel, Optional<Path> initrd, String cmdline, int cpus, Optional<List<byte[]>> acpiDevices) {
            this(kernel, initrd, cmdline, cpus, acpiDevices, List.of());
        }

        /** Without ACPI tables. */
        public Config(Path kernel, Optional<Path> initrd, String cmdline, int cpus) {
            this(kernel, initrd, cmdline, cpus, Optional.empty());
        }
    }

    /** What was placed where, for logs and tests, plus the boot vCPU's state. */
    public record Result(LoadedKernel kernel, Optional<GuestLayout.Range> initrd, E820Map e820, BootCpuState cpu,
            Optional<AcpiTables.Written> acpi) {}

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
        // The tables sit in the BIOS area the e820 map reserves (EBDA to 1 MiB), beside the MP table.
        Optional<AcpiTables.Written> acpi = config.acpiDevices().map(devices ->
                AcpiTables.write(mem, config.cpus(), GuestLayout.LAPIC, GuestLayout.IOAPIC, devices, config.acpiTables()));
        acpi.ifPresent(t -> params.acpiRsdp(t.rsdp()));
        params.writeTo(mem, GuestLayout.ZERO_PAGE);
        MpTable.write(mem, config.cpus());
        BootCpuState cpu = LongModeSetup.configure(mem, kernel.entry(), GuestLayout.ZERO_PAGE);
        return new Result(kernel, initrd, e820, cpu, acpi);
    }
}
