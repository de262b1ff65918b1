// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.vmm.kvm.KvmDiagnosis;
import org.jvmm.vmm.kvm.KvmDiagnosis.Reason;
import org.jvmm.vmm.kvm.KvmHostFacts;

/**
 * {@code jvmm probe} on devices that are no usable KVM, and its usage errors: these run on every
 * host, with or without KVM (ProbeKvmTest has the ones that need /dev/kvm).
 */
class ProbeCommandTest {
    private static final String MISSING = "/nonexistent/kvm";
    private static final String NOT_KVM = " is not a KVM device: KVM_GET_API_VERSION (0xae00) failed: ENOTTY (25)"
            + " Inappropriate ioctl for device";

    @TempDir
    Path dir;

    /** What probe must say about a missing node on this host: the host's facts decide the reason. */
    private static KvmDiagnosis missingHere() {
        return KvmDiagnosis.openFailed(MISSING, 2, KvmHostFacts.read());
    }

    /** Exit 3 (README's number, so not the constant), and the reason as the usual one line on stderr. */
    private static void assertNoKvm(CliRun run, String message) {
        assertEquals(3, run.exitCode(), run.err());
        assertEquals("jvmm: " + message + "\n", run.err());
    }

    @Test
    void missingDeviceTextSaysWhyAndWhatTheHostShows() {
        KvmDiagnosis expected = missingHere();
        assertTrue(Set.of(Reason.NO_DEVICE_NODE, Reason.KVM_MODULE_WITHOUT_DEVICE, Reason.MODULE_NOT_LOADED,
                Reason.NO_HARDWARE_VIRTUALIZATION).contains(expected.reason()), expected.toString());
        CliRun run = CliRun.of("probe", "--device", MISSING);
        assertNoKvm(run, expected.message());
        assertTrue(run.out().startsWith(MISSING + ": KVM is unavailable (" + expected.reason().code() + ")\n  "
                + expected.message() + "\nHost:\n"), run.out());
        KvmHostFacts host = expected.host();
        assertTrue(run.out().contains("kvm module (/sys/module/kvm)           "
                + (host.kvmModule() ? "loaded\n" : "not loaded\n")), run.out());
        assertTrue(run.out().contains("KVM misc device (/sys/class/misc/kvm)  "
                + (host.kvmMiscDevice() ? "registered" : "absent")), run.out());
        assertTrue(run.out().contains("CPU virtualisation (/proc/cpuinfo)     "
                + host.cpuVirtualization().label()), run.out());
        assertTrue(run.out().endsWith(HypervReport.NO_KVM + "\n"), run.out());
    }

    @Test
    void missingDeviceJsonHasTheReasonTheHostAndAnEmptyHypervPart() throws Exception {
        KvmDiagnosis expected = missingHere();
        CliRun run = CliRun.of("probe", "--json", "--device", MISSING);
        assertNoKvm(run, expected.message());
        JsonNode root = new ObjectMapper().readTree(run.out());
        assertEquals(MISSING, root.get("device").asText());
        assertFalse(root.get("available").asBoolean());
        assertTrue(run.out().contains("\n  \"available\" : false,\n"), "Jackson's default spacing: " + run.out());
        assertEquals(expected.reason().code(), root.get("reason").get("code").asText());
        assertEquals(expected.message(), root.get("reason").get("message").asText());
        assertFalse(root.has("apiVersion"), "no KVM, no API version");
        assertFalse(root.has("capabilities"), "no KVM, no capabilities");
        JsonNode host = root.get("host");
        KvmHostFacts facts = expected.host();
        assertEquals(facts.kvmModule(), host.get("kvmModule").asBoolean());
        assertEquals(facts.kvmMiscDevice(), host.get("kvmMiscDevice").asBoolean());
        assertEquals(facts.miscDeviceNumber().orElse(null), host.get("kvmMiscDeviceNumber").textValue());
        assertEquals(facts.cpuVirtualization().label(), host.get("cpuVirtualization").asText());
        assertHypervPartIsEmpty(root.get("hyperv"));
    }

    static void assertHypervPartIsEmpty(JsonNode hv) {
        assertFalse(hv.get("available").asBoolean());
        assertEquals(HypervReport.NO_KVM, hv.get("summary").asText());
        assertEquals(21, hv.get("enlightenments").size(), "one entry per QEMU hv-* feature, as with KVM");
        hv.get("enlightenments").forEach(e -> {
            assertFalse(e.get("supported").asBoolean(), e.toString());
            assertEquals(HypervReport.NO_KVM_REASON, e.get("reason").asText(), e.toString());
        });
        assertEquals(0, hv.get("passthroughLeaves").size());
        assertEquals("<hyperv supported='no'/>\n", hv.get("domcapabilities").asText());
    }

    @Test
    void missingDeviceXmlIsUnsupportedHyperv() {
        CliRun run = CliRun.of("probe", "--xml", "--device", MISSING);
        assertNoKvm(run, missingHere().message());
        assertEquals("<hyperv supported='no'/>\n", run.out());
    }

    @Test
    void devNullIsNotAKvmDeviceInEveryFormat() throws Exception {
        assertNotKvmInEveryFormat("/dev/null");
    }

    @Test
    void regularFileIsNotAKvmDeviceInEveryFormat() throws Exception {
        assertNotKvmInEveryFormat(Files.writeString(dir.resolve("plain"), "x").toString());
    }

    private static void assertNotKvmInEveryFormat(String device) throws Exception {
        String message = device + NOT_KVM;
        CliRun text = CliRun.of("probe", "--device", device);
        assertNoKvm(text, message);
        assertTrue(text.out().startsWith(device + ": KVM is unavailable (not-a-kvm-device)\n  " + message + "\n"),
                text.out());
        CliRun json = CliRun.of("probe", "--json", "--device", device);
        assertNoKvm(json, message);
        JsonNode root = new ObjectMapper().readTree(json.out());
        assertEquals(device, root.get("device").asText());
        assertFalse(root.get("available").asBoolean());
        assertEquals("not-a-kvm-device", root.get("reason").get("code").asText());
        assertEquals(message, root.get("reason").get("message").asText());
        assertHypervPartIsEmpty(root.get("hyperv"));
        CliRun xml = CliRun.of("probe", "--xml", "--device", device);
        assertNoKvm(xml, message);
        assertEquals("<hyperv supported='no'/>\n", xml.out());
    }

    @Test
    void directoryIsReportedWithItsErrno() throws Exception {
        CliRun run = CliRun.of("probe", "--json", "--device", dir.toString());
        assertNoKvm(run, "cannot open " + dir + ": EISDIR (21) Is a directory");
        assertEquals("cannot-open", new ObjectMapper().readTree(run.out()).get("reason").get("code").asText());
    }

    @Test
    void helpDocumentsTheExitStatuses() {
        CliRun run = CliRun.of("probe", "--help");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("Exit status:\n  0  KVM is usable"), run.out());
        assertTrue(run.out().contains("\n  3  no usable KVM; the report is printed and says why"), run.out());
    }

    @Test
    void jsonAndXmlTogetherAreAUsageError() {
        CliRun run = CliRun.of("probe", "--json", "--xml");
        assertEquals(2, run.exitCode());
        assertEquals(1, run.err().strip().lines().count(), run.err());
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
