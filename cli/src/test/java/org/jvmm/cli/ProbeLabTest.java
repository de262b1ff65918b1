// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
