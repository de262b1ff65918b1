// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.fuzz.FuzzEngine;
import org.jvmm.vmm.fuzz.JazzerBridge;

/** The hostile-guest campaign against Hyper-V exits and VMBus (see {@link VmbusFuzzTarget}). */
class VmbusFuzzTest {
    @Test
    void vmbusSurvivesAHostileGuest() {
        FuzzEngine.fuzz(new VmbusFuzzTarget()).assertNoFindings();
    }

    private static final class Jazzer {
        static final VmbusFuzzTarget TARGET = new VmbusFuzzTarget();
    }

    /** The same target under Jazzer: corpus replay in a normal build, coverage-guided with JAZZER_FUZZ=1. */
    @FuzzTest(maxDuration = "60s")
    void vmbus(byte[] data) throws Exception {
        JazzerBridge.run(Jazzer.TARGET, data);
    }
}
