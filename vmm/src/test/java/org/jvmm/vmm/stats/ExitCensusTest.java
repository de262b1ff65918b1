// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExitCensusTest {

    @Test
    void snapshotGroupsAndNamesEveryCount() {
        ExitCensus c = new ExitCensus();
        for (int i = 0; i < 3; i++) {
            c.io(0x3f8, true);
        }
        c.io(0x3fd, false);
        c.mmio("hpet", false);
        c.mmio(null, true);
        c.msr(0x40000070, true);
        c.msr(0x40000070, true);
        c.msr(0xc0000080, false);
        c.hyperv(2);
        c.exit(ExitReasons.HLT);
        c.exit(12345);
        CountGroups g = c.snapshot();
        assertEquals(Map.of("IO", 4L, "MMIO", 2L, "X86_WRMSR", 2L, "X86_RDMSR", 1L, "HYPERV", 1L,
                "HLT", 1L, "UNKNOWN_12345", 1L), g.groups().get(ExitCensus.EXITS));
        assertEquals(Map.of("0x03f8 out", 3L, "0x03fd in", 1L), g.groups().get(ExitCensus.PIO));
        assertEquals(Map.of("hpet read", 1L, "unclaimed write", 1L), g.groups().get(ExitCensus.MMIO));
        assertEquals(Map.of("0x40000070 wrmsr", 2L, "0xc0000080 rdmsr", 1L), g.groups().get(ExitCensus.MSR));
        assertEquals(Map.of("HCALL", 1L), g.groups().get(ExitCensus.HYPERV));
    }

    @Test
    void groupsAddUpKeyByKey() {
        CountGroups a = new CountGroups.Builder().add("pio", "0x60 out", 2).add("x", "k", 1).build();
        CountGroups b = new CountGroups.Builder().add("pio", "0x60 out", 3).add("pio", "0x61 in", 1).build();
        CountGroups sum = a.plus(b);
        assertEquals(5, sum.get("pio", "0x60 out"));
        assertEquals(1, sum.get("pio", "0x61 in"));
        assertEquals(1, sum.get("x", "k"));
        assertEquals(0, sum.get("y", "k"));
    }
}
