// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The stock-kernel test guest (Debian's kernel + a busybox initramfs, see
 * scripts/guest/build-test-guest). {@code JVMM_GUEST_KERNEL}/{@code JVMM_GUEST_INITRD} name it
 * when set (scripts/hvlab and scripts/test set them); otherwise the script is run once per JVM,
 * which downloads and caches the kernel on first use. Tests that need the guest fail, never skip,
 * when it cannot be had.
 */
public final class TestGuestImage {
    private static Map<String, Path> cached;

    private TestGuestImage() {}

    public static Path kernel() {
        return paths().get("kernel");
    }

    public static Path initrd() {
        return paths().get("initrd");
    }

    private static synchronized Map<String, Path> paths() {
        if (cached == null) {
            String kernel = System.getenv("JVMM_GUEST_KERNEL");
            String initrd = System.getenv("JVMM_GUEST_INITRD");
            cached = kernel != null && initrd != null
                    ? Map.of("kernel", Path.of(kernel), "initrd", Path.of(initrd))
                    : build();
            cached.forEach((what, path) -> {
                if (!Files.isRegularFile(path)) {
                    throw new IllegalStateException("test guest " + what + " " + path + " does not exist");
                }
            });
        }
        return cached;
    }

    private static Map<String, Path> build() {
        Path script = RepoRoot.find().resolve("scripts/guest/build-test-guest");
        try {
            Process p = new ProcessBuilder(script.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(script + " failed (exit " + p.exitValue() + ")");
            }
            Map<String, Path> paths = new HashMap<>();
            out.lines().map(l -> l.split("=", 2)).filter(kv -> kv.length == 2)
                    .forEach(kv -> paths.put(kv[0], Path.of(kv[1])));
            if (!paths.containsKey("kernel") || !paths.containsKey("initrd")) {
                throw new IllegalStateException(script + " printed no kernel=/initrd= lines: " + out);
            }
            return Map.copyOf(paths);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the test guest", e);
        }
    }
}
