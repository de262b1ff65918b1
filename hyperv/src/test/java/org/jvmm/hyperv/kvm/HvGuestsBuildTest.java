// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.testing.HvGuests;

/**
 * The lab tests' guests assemble on the host (so a broken guest shows up without the lab, and the
 * lab reuses the binaries instead of running gcc under emulation).
 */
class HvGuestsBuildTest {
    @Test
    void everyLabGuestAssembles() {
        for (String g : HvGuests.ALL) {
            byte[] bin = HvGuests.get(g);
            assertTrue(bin.length > 16 && bin.length < 8192, g + " is " + bin.length + " bytes");
        }
    }
}
