// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jvmm.vmm.spi.VmExtension;

/**
 * What a Linux VM is made of: kernel (bzImage or ELF vmlinux), optional initrd, command line,
 * RAM in bytes, vCPU count, and extensions (Hyper-V is one) that plug into the machine after
 * jvmm's own CPUID topology and before the in-kernel irqchip is created, and whether the machine
 * has an HPET (on by default, as QEMU's {@code pc}; {@code --no-hpet} or libvirt's
 * {@code <timer name='hpet' present='no'/>} turn it off), and the most RAM it may grow to while it
 * runs ({@code maxMemoryBytes}; 0 or {@code memoryBytes}: it cannot grow).
 */
public record LinuxVmConfig(Path kernel, Optional<Path> initrd, String cmdline, long memoryBytes, int cpus,
                            List<VmExtension> extensions, boolean hpet, long maxMemoryBytes) {
    /**
     * The default command line. {@code console=ttyS0}: the kernel console on COM1, which is the
     * host's console. {@code reboot=k}: reboot through the i8042 reset line, which ends jvmm at
     * once with exit 0 (Linux falls back to it anyway without ACPI, after a failed ACPI attempt).
     * {@code panic=-1}: a panic reboots at once instead of hanging; jvmm sees the panic message
     * and exits 6. {@code i8042.noaux i8042.nomux i8042.dumbkbd}: there is no mouse or keyboard
     * behind the controller, so skip the probes that would wait for them.
     */
    public static final String DEFAULT_CMDLINE = "console=ttyS0 reboot=k panic=-1 pci=off i8042.noaux i8042.nomux i8042.dumbkbd";
    /** Below this a stock kernel with an initramfs does not get to userspace. */
    public static final long MIN_MEMORY = 16L << 20;

    public LinuxVmConfig {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(cmdline, "cmdline");
        extensions = List.copyOf(extensions);
    }

    /** One that cannot grow. */
    public LinuxVmConfig(Path kernel, Optional<Path> initrd, String cmdline, long memoryBytes, int cpus,
                         List<VmExtension> extensions, boolean hpet) {
        this(kernel, initrd, cmdline, memoryBytes, cpus, extensions, hpet, 0);
    }

    /** With an HPET. */
    public LinuxVmConfig(Path kernel, Optional<Path> initrd, String cmdline, long memoryBytes, int cpus,
                         List<VmExtension> extensions) {
        this(kernel, initrd, cmdline, memoryBytes, cpus, extensions, true);
    }

    /** A config without extensions and with {@link #DEFAULT_CMDLINE}. */
    public static LinuxVmConfig of(Path kernel, Optional<Path> initrd, long memoryBytes, int cpus) {
        return new LinuxVmConfig(kernel, initrd, DEFAULT_CMDLINE, memoryBytes, cpus, List.of());
    }

    public LinuxVmConfig withCmdline(String cmdline) {
        return new LinuxVmConfig(kernel, initrd, cmdline, memoryBytes, cpus, extensions, hpet, maxMemoryBytes);
    }

    public LinuxVmConfig withExtensions(List<VmExtension> extensions) {
        return new LinuxVmConfig(kernel, initrd, cmdline, memoryBytes, cpus, extensions, hpet, maxMemoryBytes);
    }

    public LinuxVmConfig withMaxMemory(long maxMemoryBytes) {
        return new LinuxVmConfig(kernel, initrd, cmdline, memoryBytes, cpus, extensions, hpet, maxMemoryBytes);
    }

    public LinuxVmConfig withHpet(boolean hpet) {
        return new LinuxVmConfig(kernel, initrd, cmdline, memoryBytes, cpus, extensions, hpet, maxMemoryBytes);
    }

    /**
     * True if the command line makes Linux reboot by triple fault ({@code reboot=t}, or
     * {@code reboot=...,t...}): the types are the first letter of a comma-separated entry, as
     * reboot_setup() in kernel/reboot.c reads them.
     */
    public boolean rebootsByTripleFault() {
        boolean triple = false;
        for (String word : cmdline.trim().split("\\s+")) {
            if (word.startsWith("reboot=")) {
                for (String entry : word.substring("reboot=".length()).split(",")) {
                    if (!entry.isEmpty() && "abdektp".indexOf(entry.charAt(0)) >= 0) {
                        triple = entry.charAt(0) == 't'; // the last type given wins
                    }
                }
            }
        }
        return triple;
    }

    /** A duration as a person writes it: 500ms, 30s, 2m. */
    static String describe(Duration d) {
        if (d.toMillis() % 60_000 == 0 && !d.isZero()) {
            return d.toMinutes() + "m";
        }
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }
}
