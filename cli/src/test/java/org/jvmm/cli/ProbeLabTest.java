// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** In the Hyper-V lab (or on any host whose KVM has Hyper-V), probe reports the Hyper-V caps. */
@Tag("lab")
class ProbeLabTest {

    @Test
    void probeJsonReportsTheHypervCapabilitiesAsPresent() throws Exception {
        CliRun run = CliRun.of("probe", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode caps = new ObjectMapper().readTree(run.out()).get("capabilities");
        for (String cap : List.of("KVM_CAP_HYPERV", "KVM_CAP_HYPERV_SYNIC2", "KVM_CAP_HYPERV_CPUID",
                "KVM_CAP_SYS_HYPERV_CPUID", "KVM_CAP_HYPERV_ENFORCE_CPUID", "KVM_CAP_HYPERV_TIME",
                "KVM_CAP_HYPERV_VP_INDEX")) {
            assertEquals(1, caps.get(cap).asInt(), cap);
        }
    }

    @Test
    void probeReportsTheEnlightenmentsAKvmAmdHostOffers() throws Exception {
        CliRun xml = CliRun.of("probe", "--xml");
        assertEquals(0, xml.exitCode(), xml.err());
        assertTrue(xml.out().startsWith("<hyperv supported='yes'>"), xml.out());
        for (String f : List.of("relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer",
                "reset", "vendor_id", "frequencies", "reenlightenment", "tlbflush", "ipi")) {
            assertTrue(xml.out().contains("<value>" + f + "</value>"), f + " in\n" + xml.out());
        }
        assertFalse(xml.out().contains("<value>evmcs</value>"), "eVMCS is Intel-only; the lab is kvm-amd");
        assertTrue(xml.out().contains("<vendor_id>Linux KVM Hv</vendor_id>"), xml.out());

        JsonNode hv = new ObjectMapper().readTree(CliRun.of("probe", "--json").out()).get("hyperv");
        assertTrue(hv.get("available").asBoolean());
        assertEquals("SYSTEM", hv.get("hvCpuidIoctl").asText());
        assertEquals("0x40000000", hv.get("passthroughLeaves").get(0).get("function").asText());
        JsonNode evmcs = null;
        for (JsonNode e : hv.get("enlightenments")) {
            if (e.get("qemu").asText().equals("hv-evmcs")) {
                evmcs = e;
            }
        }
        assertFalse(evmcs.get("supported").asBoolean());
        assertTrue(evmcs.get("reason").asText().length() > 5, evmcs.toString());

        CliRun text = CliRun.of("probe");
        assertTrue(text.out().contains("hv-relaxed (relaxed)"), text.out());
        assertTrue(text.out().contains("Passthrough leaves"), text.out());
    }
}
