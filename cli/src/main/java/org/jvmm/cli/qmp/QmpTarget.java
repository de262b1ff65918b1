// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import java.util.Optional;
import org.jvmm.vmm.balloon.BalloonControl;

/**
 * What the QMP server needs from the VM: the few operations behind its commands. {@code jvmm run}
 * implements it over a LinuxVm ({@code org.jvmm.cli.run.VmQmpTarget}); tests implement it without
 * KVM. Methods are called on client threads, several at once; they must be quick and must not
 * wait for the guest. Events go the other way, through {@link QmpServer#emit}.
 */
public interface QmpTarget {
    /** QEMU's RunState names for the states a jvmm VM has. */
    enum RunState {
        PRELAUNCH("prelaunch"), RUNNING("running"), SHUTDOWN("shutdown");

        private final String qapiName;

        RunState(String qapiName) {
            this.qapiName = qapiName;
        }

        public String qapiName() {
            return qapiName;
        }
    }

    RunState status();

    /** Asks the guest to power down; throws {@link QmpError} when it cannot be asked. */
    void powerdown();

    /** Stops the VM (the process then exits 0); returns at once. */
    void quit();

    /**
     * Sets the balloon target, in bytes. Throws {@link QmpError} {@code DeviceNotActive} without
     * a balloon, then {@code GenericError} for a target that is not positive, in QEMU's order
     * ({@link BalloonQmp} does both).
     */
    void balloon(long bytes);

    /** The guest's memory now and its last report; {@link QmpError} without a balloon. */
    BalloonInfo queryBalloon();

    /**
     * device_del: starts taking device {@code id} away from the guest (DEVICE_DELETED follows once
     * it is gone); {@link QmpError} with QEMU's words for an unknown id or one already going.
     */
    default void deviceDel(String id) {
        throw QmpError.deviceNotFound(id);
    }

    /** query-balloon's answer: QEMU's {@code actual} and jvmm's extra, the guest's last report. */
    record BalloonInfo(long actual, Optional<BalloonControl.GuestMemoryReport> lastReport) {}
}
