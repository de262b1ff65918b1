// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvmtrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hist file as Linux 6.1 prints it (kernel/trace/trace_events_hist.c), and what is not. */
class HistOutputTest {
    private static final String SAMPLE = """
            # event histogram
            #
            # trigger info: hist:keys=common_pid,ecx,write:vals=hitcount:sort=hitcount:size=4096 if (ecx >= 1073741936 && ecx <= 1073741939) [active]
            #

            { common_pid:        417, ecx: 1073741936, write:          1 } hitcount:          3
            { common_pid:        418, ecx: 1073741937, write:          0 } hitcount:         12

            Totals:
                Hits: 15
                Entries: 2
                Dropped: 7
            """;

    @Test
    void rowsKeysAndDropped() {
        HistOutput h = HistOutput.parse(SAMPLE);
        assertEquals(List.of(
                new HistOutput.Row(Map.of("common_pid", 417L, "ecx", 0x40000070L, "write", 1L), 3),
                new HistOutput.Row(Map.of("common_pid", 418L, "ecx", 0x40000071L, "write", 0L), 12)), h.rows());
        assertEquals(7, h.dropped());
        assertEquals(List.of("common_pid", "ecx", "write"), List.copyOf(h.rows().get(0).keys().keySet()), "key order kept");
    }

    @Test
    void anEmptyTableHasNoRows() {
        HistOutput h = HistOutput.parse("# event histogram\n\nTotals:\n    Hits: 0\n    Entries: 0\n    Dropped: 0\n");
        assertEquals(List.of(), h.rows());
        assertEquals(0, h.dropped());
    }

    @Test
    void aRowThatDoesNotParseIsAnErrorNotAZero() {
        assertThrows(IllegalArgumentException.class, () -> HistOutput.parse("{ common_pid: qemu-kvm[417] } hitcount: 3\n"));
        assertThrows(IllegalArgumentException.class, () -> HistOutput.parse("{ common_pid: 417 }\n"));
    }
}
