// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.vmm.fuzz.FuzzEngine;
import org.jvmm.vmm.testing.RepoRoot;

/** Config fuzzing (see {@link ConfigFuzzTarget}). */
class ConfigFuzzTest {
    @TempDir
    Path dir;

    @Test
    void everyConfigIsValidOrOneLineNamingTheCulprit() throws Exception {
        FuzzEngine.fuzz(new ConfigFuzzTarget(dir, RepoRoot.find().resolve("configs"))).assertNoFindings();
    }
}
