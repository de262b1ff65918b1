// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs a JVM without {@code --enable-native-access} and checks that the first downcall fails with a
 * message naming the flag, instead of a wrapped or generic error.
 */
class NativeAccessHintTest {

    /** Entry point of the child JVM: prints what the first and a second downcall throw. */
    public static void main(String[] args) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                LibC.getpid();
                System.out.println("no error");
            } catch (RuntimeException | Error e) {
                System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    @Test
    void withoutNativeAccessTheErrorNamesTheFlag() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "--illegal-native-access=deny",
                "-cp", System.getProperty("java.class.path"), NativeAccessHintTest.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.strip().split("\n");
        assertEquals(2, lines.length, out);
        for (String line : lines) {
            assertTrue(line.startsWith("IllegalCallerException: native access is not enabled"), line);
            assertTrue(line.contains("--enable-native-access=ALL-UNNAMED"), line);
        }
        assertTrue(System.getProperty("java.class.path").contains(File.separator), "class path is passed on");
    }
}
