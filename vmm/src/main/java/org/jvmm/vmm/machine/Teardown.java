// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.machine;

import org.jvmm.vmm.VmmException;

/**
 * Runs release steps in order and keeps going when one fails, so a failing step never leaks the
 * resources of the steps after it; the first failure is rethrown at the end.
 */
final class Teardown {
    private RuntimeException first;

    void run(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        }
    }

    void rethrow() {
        if (first != null) {
            throw first instanceof VmmException v ? v : new VmmException("teardown failed: " + first.getMessage(), first);
        }
    }
}
