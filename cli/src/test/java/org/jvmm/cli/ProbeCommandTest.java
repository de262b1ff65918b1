// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jvmm.bindings.kvm.kvm_h;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.kvm.KvmDiagnosis;
import org.jvmm.vmm.kvm.KvmHostFacts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvmm probe} against this host's /dev/kvm, compared with direct KVM_CHECK_EXTENSION calls. */
class ProbeCommandTest {

    @Test
    void jsonReportsApiVersionAndEveryCapabilityAsKvmSaysIt() throws Exception {
        CliRun run = CliRun.of("probe", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode root = new ObjectMapper().readTree(run.out());
        assertEquals("/dev/kvm", root.get("device").asText());
        assertEquals(12, root.get("apiVersion").asInt());
        JsonNode caps = root.get("capabilities");
        assertEquals(KvmHostReport.capabilityNumbers().size(), caps.size());
        try (Kvm kvm = Kvm.open()) {
            KvmHostReport.capabilityNumbers().forEach((name, number) ->
                    assertEquals(kvm.checkExtension(number.getAsInt()), caps.get(name).asInt(), name));
            assertEquals(kvm.checkExtension(kvm_h.KVM_CAP_HYPERV()), caps.get("KVM_CAP_HYPERV").asInt());
        }
    }

    @Test
    void textNamesTheDeviceAndListsCapabilities() {
        CliRun run = CliRun.of("probe");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("/dev/kvm: KVM API version 12"), run.out());
        assertTrue(run.out().contains("KVM_CAP_X86_USER_SPACE_MSR"), run.out());
        assertTrue(run.out().contains("KVM_CAP_SYS_HYPERV_CPUID"), run.out());
    }

    @Test
    void hypervPartMatchesWhetherKvmHasHyperv() throws Exception {
        boolean hasHyperv;
        try (Kvm kvm = Kvm.open()) {
            hasHyperv = kvm.checkExtension(kvm_h.KVM_CAP_HYPERV()) > 0;
        }
        CliRun text = CliRun.of("probe");
        CliRun xml = CliRun.of("probe", "--xml");
        JsonNode hv = new ObjectMapper().readTree(CliRun.of("probe", "--json").out()).get("hyperv");
        assertEquals(0, xml.exitCode(), xml.err());
        assertEquals(hasHyperv, hv.get("available").asBoolean());
        assertEquals(21, hv.get("enlightenments").size(), "one entry per QEMU hv-* feature");
        if (hasHyperv) {
            assertTrue(xml.out().startsWith("<hyperv supported='yes'>"), xml.out());
            assertTrue(text.out().contains("Hyper-V enlightenments"), text.out());
        } else {
            assertEquals("<hyperv supported='no'/>", xml.out().strip());
            assertTrue(text.out().strip().endsWith(HypervReport.NO_HYPERV), text.out());
            assertEquals(0, hv.get("passthroughLeaves").size());
            hv.get("enlightenments").forEach(e -> assertFalse(e.get("supported").asBoolean(), e.toString()));
        }
    }

    @Test
    void jsonAndXmlTogetherAreAUsageError() {
        CliRun run = CliRun.of("probe", "--json", "--xml");
        assertEquals(2, run.exitCode());
        assertEquals(1, run.err().strip().lines().count(), run.err());
    }

    @Test
    void missingDeviceIsOneLineNamingItWithExitCode1(@TempDir Path dir) {
        Path missing = dir.resolve("kvm");
        CliRun run = CliRun.of("probe", "--device", missing.toString());
        assertEquals(1, run.exitCode());
        assertEquals("jvmm: " + KvmDiagnosis.openFailed(missing.toString(), 2, KvmHostFacts.read()).message(),
                run.err().strip());
        assertEquals("", run.out());
    }

    @Test
    void deviceThatIsNotKvmIsOneLine(@TempDir Path dir) throws Exception {
        Path notKvm = Files.writeString(dir.resolve("plain"), "x");
        CliRun run = CliRun.of("probe", "--device", notKvm.toString());
        assertEquals(1, run.exitCode());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("jvmm: "), run.err());
        assertTrue(run.err().contains(notKvm.toString()), run.err());
    }

    @Test
    void unknownOptionIsAUsageErrorWithExitCode2() {
        CliRun run = CliRun.of("probe", "--bogus");
        assertEquals(2, run.exitCode());
        assertEquals(1, run.err().strip().lines().count(), run.err());
    }

    @Test
    void versionNamesTheProject() {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("jvmm "), run.out());
    }
}
