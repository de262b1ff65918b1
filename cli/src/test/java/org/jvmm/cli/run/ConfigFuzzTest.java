// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.vmm.fuzz.FuzzEngine;
import org.jvmm.vmm.fuzz.JazzerBridge;
import org.jvmm.vmm.testing.RepoRoot;

/** Config fuzzing (see {@link ConfigFuzzTarget}). */
class ConfigFuzzTest {
    @TempDir
    Path dir;

    /** The Jazzer run's target, on a directory of its own that lives as long as the class. */
    @TempDir
    static Path jazzerDir;
    private static ConfigFuzzTarget jazzerTarget;

    @BeforeAll
    static void jazzerTarget() throws Exception {
        jazzerTarget = new ConfigFuzzTarget(jazzerDir, RepoRoot.find().resolve("configs"));
    }

    @Test
    void everyConfigIsValidOrOneLineNamingTheCulprit() throws Exception {
        FuzzEngine.fuzz(new ConfigFuzzTarget(dir, RepoRoot.find().resolve("configs"))).assertNoFindings();
    }

    /** The same target under Jazzer: corpus replay in a normal build, coverage-guided with JAZZER_FUZZ=1. */
    @FuzzTest(maxDuration = "60s")
    void config(byte[] data) throws Exception {
        JazzerBridge.run(jazzerTarget, data);
    }
}
