// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.balloon;

import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The host's handle on a memory balloon device, whatever its transport (Hyper-V dynamic memory,
 * virtio-balloon): what a monitor needs for QMP's {@code balloon} and {@code query-balloon} and
 * the {@code BALLOON_CHANGE} event. It lives in {@code vmm} so that a device in {@code hyperv}
 * can implement it and the CLI can drive it without either knowing the other.
 *
 * <p>{@code jvmm run} looks for it once the machine is built (devices are created then): an
 * extension that implements it is the VM's balloon. Every method may be called from any thread (monitor client threads) while vCPUs run, so an
 * implementation keeps its state race-free and never blocks on the guest.
 */
public interface BalloonControl {
    /** The memory the guest has now, in bytes: its RAM less what the balloon holds. */
    long actualBytes();

    /**
     * Asks the guest to bring its memory to {@code bytes} (a positive count; the caller has
     * checked that). Returns at once: the guest moves towards the target at its own pace, and
     * the {@link #onChange} listener hears of each step. A target above the VM's RAM means
     * "give everything back", as virtio-balloon clamps it.
     *
     * @return false when the guest's balloon driver is not ready to take a target yet
     */
    boolean setTarget(long bytes);

    /** The guest's latest memory status report, if its driver has sent one. */
    Optional<GuestMemoryReport> lastReport();

    /**
     * Sets the listener for changes of {@link #actualBytes()} (one listener: the monitor). It
     * runs on the device's thread and must return quickly (QMP's only queues the event).
     */
    void onChange(LongConsumer actualBytes);

    /**
     * What the guest said of its memory in its last status report (Hyper-V's DM_STATUS_REPORT
     * carries both counts in pages; they are given here in bytes, and the time as wall-clock
     * milliseconds so that QMP can stamp it as QEMU stamps events).
     *
     * @param committedBytes memory the guest has committed (in use, including its page cache)
     * @param availableBytes memory the guest says it could still use
     * @param receivedAtMillis when the host received the report, in {@link System#currentTimeMillis} terms
     */
    record GuestMemoryReport(long committedBytes, long availableBytes, long receivedAtMillis) {}
}
