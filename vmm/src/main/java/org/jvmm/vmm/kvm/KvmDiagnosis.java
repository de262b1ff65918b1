// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import java.util.Locale;
import org.jvmm.bindings.libc.Errno;
import org.jvmm.vmm.kvm.KvmHostFacts.CpuVirtualization;

/**
 * Why a KVM device cannot be used, as one line a user can act on, with a stable code for
 * scripts. {@link Kvm#open(String)} raises it inside {@link KvmUnavailableException};
 * {@code jvmm probe} reports it. A missing node is told apart by what the host shows: the
 * misc device registered (only the node is missing), the kvm module loaded without one, the
 * module not loaded, or no hardware virtualisation at all.
 *
 * @param reason  what went wrong, with its code
 * @param device  the path that was opened
 * @param message the one-line explanation with its remedy
 * @param host    the host facts the explanation is based on
 */
public record KvmDiagnosis(Reason reason, String device, String message, KvmHostFacts host) {

    /** The reasons, each with the code {@code jvmm probe --json} prints. */
    public enum Reason {
        /** ENOENT, but /sys/class/misc/kvm exists: mknod (or a container's device list) fixes it. */
        NO_DEVICE_NODE,
        /** ENOENT, /sys/module/kvm exists but no misc device: no vendor module (or a PV guest kernel). */
        KVM_MODULE_WITHOUT_DEVICE,
        /** ENOENT, no /sys/module/kvm, and the CPU has vmx or svm: modprobe fixes it. */
        MODULE_NOT_LOADED,
        /** ENOENT, no kvm module, and no vmx/svm flag: nothing on this host can fix it. */
        NO_HARDWARE_VIRTUALIZATION,
        /** EACCES or EPERM. */
        PERMISSION_DENIED,
        /** ENXIO or ENODEV: the node exists but no driver serves its device number. */
        NO_DRIVER,
        /** The open worked but KVM_GET_API_VERSION did not (e.g. /dev/null, a regular file). */
        NOT_A_KVM_DEVICE,
        /** KVM_GET_API_VERSION answered something other than 12. */
        WRONG_API_VERSION,
        /** Any other open failure (a directory, too many open files...). */
        CANNOT_OPEN;

        /** The stable code, e.g. {@code no-device-node}. */
        public String code() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private static final int EPERM = 1;
    private static final int ENOENT = 2;
    private static final int ENXIO = 6;
    private static final int EACCES = 13;
    private static final int ENODEV = 19;
    /** KVM_MINOR in linux/miscdevice.h on the misc major 10: what the node is when sysfs says nothing. */
    private static final String KVM_MISC_NUMBER = "10:232";

    /** open(2) of {@code device} failed with {@code errno}. */
    public static KvmDiagnosis openFailed(String device, int errno, KvmHostFacts host) {
        String prefix = "cannot open " + device + ": " + Errno.describe(errno) + ": ";
        return switch (errno) {
            case ENOENT -> missingNode(device, prefix, host);
            case EACCES, EPERM -> new KvmDiagnosis(Reason.PERMISSION_DENIED, device, prefix
                    + "add the user to the kvm group (then log in again) or run as root", host);
            case ENXIO, ENODEV -> new KvmDiagnosis(Reason.NO_DRIVER, device, prefix
                    + "no driver serves the node's device number ("
                    + (host.kvmMiscDevice() ? "the KVM device is " + number(host)
                            : host.kvmModule() ? "the kvm module registered no KVM device" : "the kvm module is not loaded")
                    + ")", host);
            default -> new KvmDiagnosis(Reason.CANNOT_OPEN, device, "cannot open " + device + ": "
                    + Errno.describe(errno), host);
        };
    }

    /** {@code device} opened, but KVM_GET_API_VERSION failed as {@code failure} says. */
    public static KvmDiagnosis notKvm(String device, String failure, KvmHostFacts host) {
        return new KvmDiagnosis(Reason.NOT_A_KVM_DEVICE, device, device + " is not a KVM device: " + failure, host);
    }

    /** {@code device} answered KVM_GET_API_VERSION with {@code version}. */
    public static KvmDiagnosis wrongApiVersion(String device, int version, KvmHostFacts host) {
        return new KvmDiagnosis(Reason.WRONG_API_VERSION, device, device + " speaks KVM API " + version
                + ", jvmm needs " + Kvm.API_VERSION, host);
    }

    /** The order matters: each test rules out a cause the next remedy would not fix. */
    private static KvmDiagnosis missingNode(String device, String prefix, KvmHostFacts host) {
        if (host.kvmMiscDevice()) {
            String n = number(host);
            return new KvmDiagnosis(Reason.NO_DEVICE_NODE, device, prefix + "KVM is loaded and registered device "
                    + n + " (/sys/class/misc/kvm), only the node is missing: as root, 'mknod " + device + " c "
                    + n.replace(':', ' ') + "', then give it to the kvm group with mode 660 (in a container,"
                    + " pass the host's /dev/kvm in)", host);
        }
        if (host.kvmModule()) {
            return new KvmDiagnosis(Reason.KVM_MODULE_WITHOUT_DEVICE, device, prefix
                    + "the kvm module is loaded but registered no KVM device (no /sys/class/misc/kvm): "
                    + withoutDevice(host.cpuVirtualization()), host);
        }
        if (host.cpuVirtualization() == CpuVirtualization.NONE) {
            return new KvmDiagnosis(Reason.NO_HARDWARE_VIRTUALIZATION, device, prefix
                    + "the kvm module is not loaded and the CPU shows no vmx or svm flag in /proc/cpuinfo:"
                    + " no hardware virtualisation (enable VT-x/AMD-V in the firmware, or nested"
                    + " virtualisation if this is a VM)", host);
        }
        return new KvmDiagnosis(Reason.MODULE_NOT_LOADED, device, prefix
                + "the kvm module is not loaded (no /sys/module/kvm): as root, "
                + modprobe(host.cpuVirtualization()), host);
    }

    private static String withoutDevice(CpuVirtualization cpu) {
        if (cpu == CpuVirtualization.NONE) {
            return "the CPU shows no vmx or svm flag, so no vendor module can load (a VM without"
                    + " nested virtualisation, or a paravirtualised kernel whose KVM needs its own module)";
        }
        return "load the vendor module, " + modprobe(cpu) + " as root (dmesg says why if it is refused)";
    }

    private static String modprobe(CpuVirtualization cpu) {
        return switch (cpu) {
            case VMX -> "'modprobe kvm_intel'";
            case SVM -> "'modprobe kvm_amd'";
            case NONE, UNKNOWN -> "'modprobe kvm_intel' or 'modprobe kvm_amd'";
        };
    }

    private static String number(KvmHostFacts host) {
        return host.miscDeviceNumber().orElse(KVM_MISC_NUMBER);
    }
}
