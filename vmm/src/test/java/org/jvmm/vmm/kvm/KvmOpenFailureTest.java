// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kvm.open on paths that are no KVM device: these run on every host, with or without KVM. */
class KvmOpenFailureTest {

    @Test
    void missingDeviceIsOneLineWithThisHostsDiagnosis() {
        KvmUnavailableException e = assertThrows(KvmUnavailableException.class, () -> Kvm.open("/nonexistent/kvm"));
        assertEquals(KvmDiagnosis.openFailed("/nonexistent/kvm", 2, KvmHostFacts.read()), e.diagnosis());
        assertTrue(e.getMessage().startsWith("cannot open /nonexistent/kvm: ENOENT (2) No such file or directory: "),
                e.getMessage());
        assertEquals(e.diagnosis().message(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void devNullIsNotAKvmDevice() {
        KvmUnavailableException e = assertThrows(KvmUnavailableException.class, () -> Kvm.open("/dev/null"));
        assertEquals(KvmDiagnosis.Reason.NOT_A_KVM_DEVICE, e.diagnosis().reason());
        assertEquals("/dev/null is not a KVM device: KVM_GET_API_VERSION (0xae00) failed: ENOTTY (25) Inappropriate"
                + " ioctl for device", e.getMessage());
    }

    @Test
    void directoryCannotBeOpened(@TempDir Path dir) {
        KvmUnavailableException e = assertThrows(KvmUnavailableException.class, () -> Kvm.open(dir.toString()));
        assertEquals(KvmDiagnosis.Reason.CANNOT_OPEN, e.diagnosis().reason());
        assertEquals("cannot open " + dir + ": EISDIR (21) Is a directory", e.getMessage());
    }
}
