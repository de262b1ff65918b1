// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.memory.GuestMemoryException;

/** The fuzzers' guard bands see a host write just outside guest RAM; RAM itself is checked. */
class GuardedRamTest {
    @Test
    void aWriteNextToGuestRamIsSeenAndRamAccessesAreChecked() {
        try (GuardedRam ram = new GuardedRam(8192, 1L << 32, 4096)) {
            ram.memory().writeLong(8192 - 8, -1);
            ram.memory().writeLong((1L << 32) + 4096 - 8, -1);
            ram.checkGuards();
            assertThrows(GuestMemoryException.class, () -> ram.memory().writeInt(8190, 1));
            ram.host(1).set(ValueLayout.JAVA_BYTE, GuardedRam.GUARD + 4096, (byte) 0); // one past region 1
            assertThrows(AssertionError.class, ram::checkGuards);
            ram.reset();
            ram.checkGuards();
            ram.host(0).set(ValueLayout.JAVA_BYTE, GuardedRam.GUARD - 1, (byte) 0); // one before region 0
            assertThrows(AssertionError.class, ram::checkGuards);
        }
    }
}
