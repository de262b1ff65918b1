// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.fuzz;

/**
 * Runs a {@link FuzzTarget} on the bytes Jazzer hands a {@code @FuzzTest} method, so the
 * coverage-guided engine and the seeded {@link FuzzEngine} drive the same target code. The
 * features a target reports are dropped here: Jazzer's feedback is the branch coverage its
 * instrumentation measures. Whatever escapes {@link FuzzTarget#run} is Jazzer's finding; it saves
 * the input as {@code crash-*} and fails the test.
 */
public final class JazzerBridge {
    private JazzerBridge() {}

    public static void run(FuzzTarget target, byte[] data) throws Exception {
        target.run(new FuzzInput(data));
    }
}
