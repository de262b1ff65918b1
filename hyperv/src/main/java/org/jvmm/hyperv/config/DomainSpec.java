// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.config;

import java.util.Objects;

import org.jvmm.hyperv.HvConfig;

/**
 * The parts of a libvirt domain jvmm uses.
 *
 * @param name        {@code <name>}
 * @param memoryBytes {@code <memory>} converted from its unit
 * @param vcpus       {@code <vcpu>} (1 when absent)
 * @param kernel      {@code <os><kernel>}, null when absent
 * @param initrd      {@code <os><initrd>}, null when absent
 * @param cmdline     {@code <os><cmdline>}, null when absent
 * @param hyperv      the Hyper-V settings gathered from features, clock and devices
 * @param hpet        false with {@code <clock><timer name='hpet' present='no'/>}, else true
 * @param maxMemoryBytes {@code <maxMemory>} converted from its unit, 0 when absent
 */
public record DomainSpec(String name, long memoryBytes, int vcpus, String kernel, String initrd,
        String cmdline, HvConfig hyperv, boolean hpet, long maxMemoryBytes) {
    public DomainSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hyperv, "hyperv");
    }

    /** Without {@code <maxMemory>}. */
    public DomainSpec(String name, long memoryBytes, int vcpus, String kernel, String initrd,
            String cmdline, HvConfig hyperv, boolean hpet) {
        this(name, memoryBytes, vcpus, kernel, initrd, cmdline, hyperv, hpet, 0);
    }

    /** With an HPET, as libvirt's default. */
    public DomainSpec(String name, long memoryBytes, int vcpus, String kernel, String initrd,
            String cmdline, HvConfig hyperv) {
        this(name, memoryBytes, vcpus, kernel, initrd, cmdline, hyperv, true);
    }
}
