// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout's top directory, found from the working directory of the test JVM. */
public final class RepoRoot {
    private RepoRoot() {}

    public static Path find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/hvlab")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the jvmm checkout above " + Path.of("").toAbsolutePath());
    }
}
