// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DebugExitTest {
    private final List<Integer> codes = new ArrayList<>();
    private final DebugExit device = new DebugExit(codes::add);

    @Test
    void writeOfVExitsWithVShiftedLeftOrOne() {
        device.write(0, 1, 0);
        device.write(0, 1, 0x10);
        device.write(1, 1, 0x7f);
        assertEquals(List.of(1, 0x21, 0xff), codes);
    }

    @Test
    void valueIsTruncatedToTheAccessWidth() {
        device.write(0, 1, 0x1ff);
        device.write(0, 2, 0x1ff);
        device.write(0, 4, 0xffff_ffffL);
        assertEquals(List.of(0x1ff, 0x3ff, -1), codes); // 0x1ff as a byte is 0xff
    }

    @Test
    void qemuDefaultsAndReadsReturnZero() {
        assertEquals(0x501, DebugExit.BASE);
        assertEquals(2, DebugExit.PORT_COUNT);
        assertEquals(0, device.read(0, 1));
        assertEquals(List.of(), codes);
    }
}
