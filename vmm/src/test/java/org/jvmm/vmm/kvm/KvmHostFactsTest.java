// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.vmm.kvm.KvmHostFacts.CpuVirtualization;

/** Reading the KVM facts from fake /sys and /proc trees. */
class KvmHostFactsTest {
    @TempDir
    Path root;

    /** A fake host: which of the kvm sysfs entries exist, and the flags line of /proc/cpuinfo (null: none). */
    static Path host(Path root, boolean module, String miscDev, String flags) throws IOException {
        if (module) {
            Files.createDirectories(root.resolve("sys/module/kvm"));
        }
        if (miscDev != null) {
            Path misc = Files.createDirectories(root.resolve("sys/class/misc/kvm"));
            Files.writeString(misc.resolve("dev"), miscDev + "\n");
        }
        Files.createDirectories(root.resolve("proc"));
        StringBuilder cpuinfo = new StringBuilder();
        for (int cpu = 0; cpu < 2; cpu++) {
            cpuinfo.append("processor\t: ").append(cpu).append("\nvendor_id\t: GenuineIntel\n");
            if (flags != null) {
                cpuinfo.append("flags\t\t: ").append(flags).append('\n');
            }
            cpuinfo.append("vmx flags\t: vnmi preemption_timer invvpid ept_x_only\n\n");
        }
        Files.writeString(root.resolve("proc/cpuinfo"), cpuinfo);
        return root;
    }

    @Test
    void everythingPresentOnAnIntelHost() throws IOException {
        KvmHostFacts f = KvmHostFacts.read(host(root, true, "10:232", "fpu vme de pse tsc msr vmx smx est"));
        assertEquals(new KvmHostFacts(true, true, Optional.of("10:232"), CpuVirtualization.VMX), f);
    }

    @Test
    void svmIsAmd() throws IOException {
        assertEquals(CpuVirtualization.SVM, KvmHostFacts.read(host(root, false, null, "fpu svm npt")).cpuVirtualization());
    }

    @Test
    void vmxFlagsLineAloneIsNotVmx() throws IOException {
        // The guest of a PVM host: "hypervisor" but no vmx; the "vmx flags" line must not count.
        KvmHostFacts f = KvmHostFacts.read(host(root, true, null, "fpu tsc hypervisor lahf_lm"));
        assertEquals(CpuVirtualization.NONE, f.cpuVirtualization());
        assertTrue(f.kvmModule());
        assertFalse(f.kvmMiscDevice());
        assertEquals(Optional.empty(), f.miscDeviceNumber());
    }

    @Test
    void nothingReadableIsUnknownAndAbsent() {
        assertEquals(new KvmHostFacts(false, false, Optional.empty(), CpuVirtualization.UNKNOWN),
                KvmHostFacts.read(root));
    }

    @Test
    void cpuinfoWithoutFlagsLineIsUnknown() throws IOException {
        assertEquals(CpuVirtualization.UNKNOWN, KvmHostFacts.read(host(root, false, null, null)).cpuVirtualization());
    }

    @Test
    void garbledDeviceNumberIsLeftOut() throws IOException {
        KvmHostFacts f = KvmHostFacts.read(host(root, true, "ten:two", "vmx"));
        assertTrue(f.kvmMiscDevice());
        assertEquals(Optional.empty(), f.miscDeviceNumber());
    }

    @Test
    void labelsAreLowerCase() {
        assertEquals("none", CpuVirtualization.NONE.label());
        assertEquals("svm", CpuVirtualization.SVM.label());
    }
}
