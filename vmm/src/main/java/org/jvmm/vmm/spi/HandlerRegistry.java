// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.spi;

import java.util.Optional;
import org.jvmm.vmm.memory.HotplugArea;

/**
 * Where an extension registers what it handles at run time, once, while the machine is built and
 * before any vCPU runs.
 */
public interface HandlerRegistry {
    /**
     * Sends guest accesses to MSRs {@code [first, first+count)} that exit to userspace to
     * {@code handler}. A range overlapping one already registered is refused.
     */
    void msrHandler(int first, int count, MsrHandler handler, String name);

    /** Adds {@code handler} to those asked about exits the core does not handle. */
    void exitHandler(ExitHandler handler);

    /**
     * Runs code on a vCPU's thread outside KVM_RUN, at run time (see {@link VcpuTasks}). Keep it;
     * it is valid for the machine's life.
     */
    VcpuTasks vcpuTasks();

    /**
     * Where RAM can be added while the guest runs, if the machine may grow beyond its boot size
     * (a maximum above it was set). One device should use it: the area hands out each byte once.
     */
    default Optional<HotplugArea> memoryHotplug() {
        return Optional.empty();
    }
}
