// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.spi;

import java.util.concurrent.CompletableFuture;

/**
 * Runs code on a vCPU's own thread while that vCPU is outside KVM_RUN, as QEMU's
 * {@code run_on_cpu}. State that the guest on that vCPU and KVM's in-kernel work for it (which runs
 * on the same thread, inside KVM_RUN) both touch can then be changed without racing either.
 *
 * <p>A task submitted from any thread is queued and the vCPU is kicked out of the guest; its thread
 * runs queued tasks in submission order before it enters the guest again (a vCPU that has not
 * started yet runs them before its first entry). A task submitted on the vCPU's own thread runs
 * after the current exit is handled. Tasks submitted after the vCPU's loop ended are refused, and
 * tasks still queued when it ends are cancelled: the future then completes with a
 * {@link java.util.concurrent.CancellationException}. A task that throws completes its future
 * exceptionally; the vCPU runs on.
 */
@FunctionalInterface
public interface VcpuTasks {
    /**
     * Queues {@code task} for vCPU {@code index}.
     *
     * @throws IllegalArgumentException if there is no such vCPU
     */
    CompletableFuture<Void> runOnVcpu(int index, Runnable task);
}
