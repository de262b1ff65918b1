// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jvmm.vmm.fuzz.FuzzEngine;

/** The hostile-guest campaign against Hyper-V exits and VMBus (see {@link VmbusFuzzTarget}). */
class VmbusFuzzTest {
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void vmbusSurvivesAHostileGuest() {
        FuzzEngine.fuzz(new VmbusFuzzTarget()).assertNoFindings();
    }
}
