// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.fuzz;

import java.util.List;

/**
 * Production code driven by one fuzz input. {@link #run} catches only the failures the code under
 * test documents (a {@code VcpuException} for a malformed exit, a one-line config error) and
 * records them as features reached; everything else it lets escape, and that is a finding. A target also
 * checks the host state it can see (guard bytes around guest RAM, device invariants) and throws
 * {@link AssertionError} when it is wrong.
 */
public interface FuzzTarget {
    String name();

    /** Well-formed inputs the mutations start from. */
    List<byte[]> seeds();

    /**
     * Runs one input on fresh state, telling {@link FuzzInput#reach} which paths it took; a
     * failure the code under test does not document escapes.
     */
    void run(FuzzInput input) throws Exception;
}
