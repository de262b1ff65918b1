// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.spi;

/**
 * Where an extension adds its counts to the VM's census ({@code jvmm run --stats}), in groups of
 * its own naming (the core gives them no meaning): {@code add(0, "hcall", "0x0008 ok", 12)}.
 */
@FunctionalInterface
public interface CensusSink {
    /** The VM as a whole rather than one vCPU. */
    int VM = -1;

    /** Adds {@code count} to {@code key} of {@code group} for vCPU {@code vcpu} (or {@link #VM}). */
    void add(int vcpu, String group, String key, long count);
}
