// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** What {@code --max-memory} may be: never below --memory, on 4 KiB, within the host. */
class MaxMemoryLimitsTest {
    static final long MIB = 1L << 20;

    static String refusal(long bytes, long max, long host) {
        return assertThrows(LinuxVmConfigException.class, () -> LinuxVmLimits.checkMaxMemory(bytes, max, host))
                .getMessage();
    }

    @Test
    void badMaximaAreRefusedNamingTheOption() {
        assertEquals("--max-memory 256 MiB is less than --memory 512 MiB", refusal(512 * MIB, 256 * MIB, 0));
        assertEquals("--max-memory 1073741825 bytes: not a multiple of 4 KiB", refusal(512 * MIB, 1024 * MIB + 1, 0));
        assertEquals("--max-memory 4096 MiB is more than this host's 2048 MiB of RAM",
                refusal(512 * MIB, 4096 * MIB, 2048 * MIB));
    }

    @Test
    void equalOrLargerWithinTheHostIsFine() {
        LinuxVmLimits.checkMaxMemory(512 * MIB, 512 * MIB, 2048 * MIB);
        LinuxVmLimits.checkMaxMemory(512 * MIB, 1000 * MIB + 4096, 2048 * MIB);
    }
}
