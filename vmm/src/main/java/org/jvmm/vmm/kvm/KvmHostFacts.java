// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the host's {@code /sys} and {@code /proc} show about KVM, the facts that tell apart the
 * reasons a KVM device cannot be used. They are read below a root directory ({@code /} on a real
 * host) so tests can hand in a fake tree and reach every diagnosis on any machine.
 *
 * @param kvmModule         {@code /sys/module/kvm} exists: the generic kvm module is loaded (or built in)
 * @param kvmMiscDevice     {@code /sys/class/misc/kvm} exists: a vendor module registered the KVM
 *                          misc device, so only the {@code /dev} node can be missing
 * @param miscDeviceNumber  its {@code major:minor} from {@code /sys/class/misc/kvm/dev}, when readable
 * @param cpuVirtualization the hardware virtualisation flag {@code /proc/cpuinfo} shows
 */
public record KvmHostFacts(boolean kvmModule, boolean kvmMiscDevice, Optional<String> miscDeviceNumber,
        CpuVirtualization cpuVirtualization) {

    /** The CPU flag a KVM vendor module needs: vmx for kvm_intel, svm for kvm_amd. */
    public enum CpuVirtualization {
        VMX, SVM,
        /** A flags line without vmx or svm: none visible (firmware-disabled, or a VM without nesting). */
        NONE,
        /** /proc/cpuinfo unreadable or without a flags line: nothing can be said. */
        UNKNOWN;

        /** The lower-case name used in reports, e.g. {@code vmx}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Pattern DEVICE_NUMBER = Pattern.compile("\\d+:\\d+");

    /** The facts of the running host. */
    public static KvmHostFacts read() {
        return read(Path.of("/"));
    }

    /** The facts of the tree below {@code root}, which holds {@code sys/} and {@code proc/} as / does. */
    public static KvmHostFacts read(Path root) {
        Path misc = root.resolve("sys/class/misc/kvm");
        return new KvmHostFacts(Files.exists(root.resolve("sys/module/kvm")), Files.exists(misc),
                deviceNumber(misc.resolve("dev")), cpuVirtualization(root.resolve("proc/cpuinfo")));
    }

    private static Optional<String> deviceNumber(Path dev) {
        try {
            String number = Files.readString(dev).strip();
            return DEVICE_NUMBER.matcher(number).matches() ? Optional.of(number) : Optional.empty();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /**
     * The first "flags" line decides: Linux shows vmx/svm on every CPU or on none. Lines are
     * matched at their start because Linux 5.9+ adds a "vmx flags" line of VMX sub-features.
     */
    private static CpuVirtualization cpuVirtualization(Path cpuinfo) {
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags") && l.indexOf(':') > 0).findFirst()
                    .map(KvmHostFacts::fromFlags).orElse(CpuVirtualization.UNKNOWN);
        } catch (IOException | UncheckedIOException e) {
            return CpuVirtualization.UNKNOWN;
        }
    }

    private static CpuVirtualization fromFlags(String line) {
        String[] flags = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        for (String f : flags) {
            if (f.equals("vmx")) {
                return CpuVirtualization.VMX;
            }
            if (f.equals("svm")) {
                return CpuVirtualization.SVM;
            }
        }
        return CpuVirtualization.NONE;
    }
}
