// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The stock-kernel test guest (scripts/guest/build-test-guest; protocol in scripts/lab/README.md).
 * Found, in this order, through the system properties {@code jvmm.test.kernel} and
 * {@code jvmm.test.initrd}, the environment variables {@code JVMM_TEST_KERNEL} and
 * {@code JVMM_TEST_INITRD}, the {@code JVMM_GUEST_KERNEL} / {@code JVMM_GUEST_INITRD} that hvlab
 * exports, or by running {@code scripts/guest/build-test-guest} from the checkout. If none works
 * the test fails: a lab test never skips for want of its guest.
 */
record TestGuest(Path kernel, Path initrd) {
    static TestGuest find() throws IOException, InterruptedException {
        for (String[] names : new String[][] {
            {System.getProperty("jvmm.test.kernel"), System.getProperty("jvmm.test.initrd")},
            {System.getenv("JVMM_TEST_KERNEL"), System.getenv("JVMM_TEST_INITRD")},
            {System.getenv("JVMM_GUEST_KERNEL"), System.getenv("JVMM_GUEST_INITRD")},
        }) {
            if (names[0] != null && names[1] != null) {
                return checked(Path.of(names[0]), Path.of(names[1]));
            }
        }
        Path script = findScript();
        Process p = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(script + " failed (exit " + p.exitValue() + "): " + out);
        }
        Path kernel = null;
        Path initrd = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("kernel=")) {
                kernel = Path.of(line.substring("kernel=".length()));
            } else if (line.startsWith("initrd=")) {
                initrd = Path.of(line.substring("initrd=".length()));
            }
        }
        if (kernel == null || initrd == null) {
            throw new AssertionError(script + " printed no kernel=/initrd= lines: " + out);
        }
        return checked(kernel, initrd);
    }

    private static TestGuest checked(Path kernel, Path initrd) {
        if (!Files.isRegularFile(kernel) || !Files.isRegularFile(initrd)) {
            throw new AssertionError("test guest not found: kernel " + kernel + ", initrd " + initrd);
        }
        return new TestGuest(kernel, initrd);
    }

    private static Path findScript() {
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("scripts/guest/build-test-guest");
            if (Files.isExecutable(s)) {
                return s;
            }
        }
        throw new AssertionError("no test guest: set JVMM_TEST_KERNEL/JVMM_TEST_INITRD (or -Djvmm.test.kernel/initrd), "
                + "or run from a checkout with scripts/guest/build-test-guest");
    }
}
