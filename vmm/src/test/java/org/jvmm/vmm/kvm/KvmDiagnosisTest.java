// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jvmm.vmm.kvm.KvmHostFactsTest.host;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.vmm.kvm.KvmDiagnosis.Reason;

/** Every reason a KVM device is unusable, diagnosed over fake /sys and /proc trees. */
class KvmDiagnosisTest {
    private static final int ENOENT = 2;
    private static final String ENOENT_PREFIX = "cannot open /dev/kvm: ENOENT (2) No such file or directory: ";

    @TempDir
    Path root;

    /** Every diagnosis is one line, whatever it says. */
    private static KvmDiagnosis oneLine(KvmDiagnosis d) {
        assertFalse(d.message().contains("\n"), d.message());
        return d;
    }

    private KvmDiagnosis missing(boolean module, String miscDev, String flags) throws IOException {
        return oneLine(KvmDiagnosis.openFailed("/dev/kvm", ENOENT, KvmHostFacts.read(host(root, module, miscDev, flags))));
    }

    @Test
    void nodeMissingWhileTheMiscDeviceIsRegisteredSaysMknodWithTheRealNumber() throws IOException {
        KvmDiagnosis d = missing(true, "10:57", "fpu vmx");
        assertEquals(Reason.NO_DEVICE_NODE, d.reason());
        assertEquals("no-device-node", d.reason().code());
        assertEquals(ENOENT_PREFIX + "KVM is loaded and registered device 10:57 (/sys/class/misc/kvm), only the"
                + " node is missing: as root, 'mknod /dev/kvm c 10 57', then give it to the kvm group with mode 660"
                + " (in a container, pass the host's /dev/kvm in)", d.message());
        assertEquals("/dev/kvm", d.device());
    }

    @Test
    void unreadableDeviceNumberFallsBackToKvmMinor() throws IOException {
        KvmDiagnosis d = missing(true, "garbage", "vmx");
        assertEquals(Reason.NO_DEVICE_NODE, d.reason());
        assertTrue(d.message().contains("'mknod /dev/kvm c 10 232'"), d.message());
    }

    @Test
    void moduleWithoutDeviceOnAnIntelCpuSaysLoadKvmIntel() throws IOException {
        KvmDiagnosis d = missing(true, null, "fpu vmx");
        assertEquals(Reason.KVM_MODULE_WITHOUT_DEVICE, d.reason());
        assertEquals("kvm-module-without-device", d.reason().code());
        assertEquals(ENOENT_PREFIX + "the kvm module is loaded but registered no KVM device (no /sys/class/misc/kvm):"
                + " load the vendor module, 'modprobe kvm_intel' as root (dmesg says why if it is refused)", d.message());
    }

    @Test
    void moduleWithoutDeviceOnAnAmdCpuSaysLoadKvmAmd() throws IOException {
        assertTrue(missing(true, null, "fpu svm").message().contains("'modprobe kvm_amd'"));
    }

    @Test
    void moduleWithoutDeviceOrCpuFlagIsAGuestWithoutNesting() throws IOException {
        KvmDiagnosis d = missing(true, null, "fpu hypervisor");
        assertEquals(Reason.KVM_MODULE_WITHOUT_DEVICE, d.reason());
        assertTrue(d.message().endsWith("the CPU shows no vmx or svm flag, so no vendor module can load (a VM"
                + " without nested virtualisation, or a paravirtualised kernel whose KVM needs its own module)"), d.message());
    }

    @Test
    void moduleNotLoadedOnAnAmdCpuSaysModprobeKvmAmd() throws IOException {
        KvmDiagnosis d = missing(false, null, "fpu svm");
        assertEquals(Reason.MODULE_NOT_LOADED, d.reason());
        assertEquals(ENOENT_PREFIX + "the kvm module is not loaded (no /sys/module/kvm): as root, 'modprobe kvm_amd'",
                d.message());
    }

    @Test
    void moduleNotLoadedWithUnknownCpuNamesBothVendorModules() throws IOException {
        KvmDiagnosis d = missing(false, null, null);
        assertEquals(Reason.MODULE_NOT_LOADED, d.reason());
        assertTrue(d.message().endsWith("'modprobe kvm_intel' or 'modprobe kvm_amd'"), d.message());
    }

    @Test
    void noModuleAndNoCpuFlagIsNoHardwareVirtualisation() throws IOException {
        KvmDiagnosis d = missing(false, null, "fpu tsc hypervisor");
        assertEquals(Reason.NO_HARDWARE_VIRTUALIZATION, d.reason());
        assertEquals("no-hardware-virtualization", d.reason().code());
        assertEquals(ENOENT_PREFIX + "the kvm module is not loaded and the CPU shows no vmx or svm flag in"
                + " /proc/cpuinfo: no hardware virtualisation (enable VT-x/AMD-V in the firmware, or nested"
                + " virtualisation if this is a VM)", d.message());
    }

    @Test
    void permissionDeniedSaysKvmGroup() throws IOException {
        KvmHostFacts host = KvmHostFacts.read(host(root, true, "10:232", "vmx"));
        KvmDiagnosis eacces = oneLine(KvmDiagnosis.openFailed("/dev/kvm", 13, host));
        assertEquals(Reason.PERMISSION_DENIED, eacces.reason());
        assertEquals("cannot open /dev/kvm: EACCES (13) Permission denied: add the user to the kvm group"
                + " (then log in again) or run as root", eacces.message());
        KvmDiagnosis eperm = oneLine(KvmDiagnosis.openFailed("/dev/kvm", 1, host));
        assertEquals(Reason.PERMISSION_DENIED, eperm.reason());
        assertTrue(eperm.message().startsWith("cannot open /dev/kvm: EPERM (1) Operation not permitted: add"), eperm.message());
    }

    @Test
    void nodeWithoutDriverSaysWhatSysfsShows() throws IOException {
        KvmDiagnosis d = oneLine(KvmDiagnosis.openFailed("/dev/kvm", 6, KvmHostFacts.read(host(root, false, null, "vmx"))));
        assertEquals(Reason.NO_DRIVER, d.reason());
        assertEquals("cannot open /dev/kvm: ENXIO (6) No such device or address: no driver serves the node's"
                + " device number (the kvm module is not loaded)", d.message());
        assertEquals(Reason.NO_DRIVER, KvmDiagnosis.openFailed("/dev/kvm", 19, d.host()).reason());
    }

    @Test
    void otherOpenErrorsAreReportedAsTheyAre() throws IOException {
        KvmDiagnosis d = oneLine(KvmDiagnosis.openFailed("/tmp", 21, KvmHostFacts.read(root)));
        assertEquals(Reason.CANNOT_OPEN, d.reason());
        assertEquals("cannot open /tmp: EISDIR (21) Is a directory", d.message());
    }

    @Test
    void failedApiVersionIoctlIsNotAKvmDevice() {
        KvmDiagnosis d = oneLine(KvmDiagnosis.notKvm("/dev/null", "KVM_GET_API_VERSION (0xae00) failed: ENOTTY (25)"
                + " Inappropriate ioctl for device", KvmHostFacts.read(root)));
        assertEquals(Reason.NOT_A_KVM_DEVICE, d.reason());
        assertEquals("not-a-kvm-device", d.reason().code());
        assertEquals("/dev/null is not a KVM device: KVM_GET_API_VERSION (0xae00) failed: ENOTTY (25) Inappropriate"
                + " ioctl for device", d.message());
    }

    @Test
    void otherApiVersionIsNamed() {
        KvmDiagnosis d = oneLine(KvmDiagnosis.wrongApiVersion("/dev/kvm", 11, KvmHostFacts.read(root)));
        assertEquals(Reason.WRONG_API_VERSION, d.reason());
        assertEquals("/dev/kvm speaks KVM API 11, jvmm needs 12", d.message());
    }

    @Test
    void codesAreDistinctAndKebabCase() {
        Set<String> codes = new HashSet<>();
        for (Reason r : Reason.values()) {
            assertTrue(r.code().matches("[a-z]+(-[a-z]+)*"), r.code());
            assertTrue(codes.add(r.code()), r.code());
        }
    }
}
