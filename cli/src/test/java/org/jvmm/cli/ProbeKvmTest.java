// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jvmm.bindings.kvm.kvm_h;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.kvm.KvmHostFacts;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code jvmm probe} against this host's /dev/kvm, compared with direct KVM_CHECK_EXTENSION calls.
 * Tagged "kvm": they need a usable /dev/kvm; ProbeCommandTest has the ones that run anywhere.
 */
@Tag("kvm")
class ProbeKvmTest {

    @Test
    void jsonReportsApiVersionAndEveryCapabilityAsKvmSaysIt() throws Exception {
        CliRun run = CliRun.of("probe", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode root = new ObjectMapper().readTree(run.out());
        assertEquals("/dev/kvm", root.get("device").asText());
        assertTrue(root.get("available").asBoolean());
        assertEquals(12, root.get("apiVersion").asInt());
        assertFalse(root.has("reason"), "a usable KVM has no reason");
        // Scripts grep Jackson's default spacing, e.g. "KVM_CAP_HYPERV" : 1.
        assertTrue(run.out().matches("(?s).*\n  \"available\" : true,\n.*\n    \"KVM_CAP_HYPERV\" : \\d+,\n.*"),
                run.out());
        JsonNode caps = root.get("capabilities");
        assertEquals(KvmHostReport.capabilityNumbers().size(), caps.size());
        try (Kvm kvm = Kvm.open()) {
            KvmHostReport.capabilityNumbers().forEach((name, number) ->
                    assertEquals(kvm.checkExtension(number.getAsInt()), caps.get(name).asInt(), name));
            assertEquals(kvm.checkExtension(kvm_h.KVM_CAP_HYPERV()), caps.get("KVM_CAP_HYPERV").asInt());
        }
    }

    @Test
    void jsonReportsTheHostFactsToo() throws Exception {
        JsonNode host = new ObjectMapper().readTree(CliRun.of("probe", "--json").out()).get("host");
        KvmHostFacts facts = KvmHostFacts.read();
        assertEquals(facts.kvmModule(), host.get("kvmModule").asBoolean());
        assertTrue(host.get("kvmMiscDevice").asBoolean(), "a usable /dev/kvm means the misc device is registered");
        assertEquals(facts.miscDeviceNumber().orElseThrow(), host.get("kvmMiscDeviceNumber").asText());
        assertEquals(facts.cpuVirtualization().label(), host.get("cpuVirtualization").asText());
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
}
