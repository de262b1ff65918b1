// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import org.junit.jupiter.api.Test;
import org.jvmm.vmm.fuzz.FuzzEngine;

/** The hostile-guest campaign against Hyper-V exits and VMBus (see {@link VmbusFuzzTarget}). */
class VmbusFuzzTest {
    @Test
    void vmbusSurvivesAHostileGuest() {
        FuzzEngine.fuzz(new VmbusFuzzTarget()).assertNoFindings();
    }
}
