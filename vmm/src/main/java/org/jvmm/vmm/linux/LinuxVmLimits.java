// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import static org.jvmm.bindings.kvm.kvm_h.KVM_CAP_MAX_VCPUS;
import static org.jvmm.bindings.kvm.kvm_h.KVM_CAP_NR_VCPUS;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jvmm.vmm.boot.MpTable;
import org.jvmm.vmm.kvm.Kvm;

/**
 * Checks a {@link LinuxVmConfig} against this host before anything is built, so a bad value ends
 * with one line naming it: files that are missing or unreadable, RAM below
 * {@link LinuxVmConfig#MIN_MEMORY}, not a multiple of 4 KiB or above the host's RAM, and a vCPU
 * count outside 1..min(KVM_CAP_MAX_VCPUS, what the MP table can describe).
 */
final class LinuxVmLimits {
    private LinuxVmLimits() {}

    static void check(LinuxVmConfig c) {
        requireReadable(c.kernel(), "kernel");
        c.initrd().ifPresent(f -> requireReadable(f, "initrd"));
        checkMemory(c.memoryBytes(), hostMemory());
        if (c.maxMemoryBytes() != 0) {
            checkMaxMemory(c.memoryBytes(), c.maxMemoryBytes(), hostMemory());
        }
        if (c.cpus() < 1) {
            throw new LinuxVmConfigException("--cpus " + c.cpus() + ": a VM needs at least 1 vCPU");
        }
        int max = Math.min(maxVcpus(), MpTable.MAX_CPUS);
        if (c.cpus() > max) {
            throw new LinuxVmConfigException("--cpus " + c.cpus() + ": this host's KVM and jvmm allow at most " + max + " vCPUs");
        }
    }

    static void checkMemory(long bytes, long hostBytes) {
        if (bytes < LinuxVmConfig.MIN_MEMORY) {
            throw new LinuxVmConfigException("--memory %d bytes: a Linux guest needs at least %d MiB"
                    .formatted(bytes, LinuxVmConfig.MIN_MEMORY >> 20));
        }
        if ((bytes & 0xfff) != 0) {
            throw new LinuxVmConfigException("--memory %d bytes: not a multiple of 4 KiB".formatted(bytes));
        }
        if (hostBytes > 0 && bytes > hostBytes) {
            throw new LinuxVmConfigException("--memory %d MiB is more than this host's %d MiB of RAM"
                    .formatted(bytes >> 20, hostBytes >> 20));
        }
    }

    /** The guest may grow from {@code bytes} up to {@code maxBytes}: not less, on 4 KiB, within the host. */
    static void checkMaxMemory(long bytes, long maxBytes, long hostBytes) {
        if (maxBytes < bytes) {
            throw new LinuxVmConfigException("--max-memory %d MiB is less than --memory %d MiB"
                    .formatted(maxBytes >> 20, bytes >> 20));
        }
        if ((maxBytes & 0xfff) != 0) {
            throw new LinuxVmConfigException("--max-memory %d bytes: not a multiple of 4 KiB".formatted(maxBytes));
        }
        if (hostBytes > 0 && maxBytes > hostBytes) {
            throw new LinuxVmConfigException("--max-memory %d MiB is more than this host's %d MiB of RAM"
                    .formatted(maxBytes >> 20, hostBytes >> 20));
        }
    }

    private static void requireReadable(Path file, String what) {
        if (!Files.exists(file)) {
            throw new LinuxVmConfigException(file + ": " + what + " file not found");
        }
        if (!Files.isRegularFile(file)) {
            throw new LinuxVmConfigException(file + ": " + what + " is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new LinuxVmConfigException(file + ": " + what + " file is not readable");
        }
    }

    /** MemTotal from /proc/meminfo in bytes, or 0 if unknown (then only the mmap can refuse). */
    static long hostMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS, else 4 (api.rst: the limit without either cap). */
    static int maxVcpus() {
        try (Kvm kvm = Kvm.open()) {
            int max = kvm.checkExtension(KVM_CAP_MAX_VCPUS());
            if (max <= 0) {
                max = kvm.checkExtension(KVM_CAP_NR_VCPUS());
            }
            return max > 0 ? max : 4;
        }
    }
}
