// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jvmm.cli.qmp.BalloonQmp;
import org.jvmm.cli.qmp.QmpError;
import org.jvmm.cli.qmp.QmpEvent;
import org.jvmm.cli.qmp.QmpTarget;
import org.jvmm.vmm.balloon.BalloonControl;
import org.jvmm.vmm.linux.LinuxVm;
import org.jvmm.vmm.linux.LinuxVmExit;

/**
 * QMP's view of a {@code jvmm run} VM: the state from {@link LinuxVm#state()}, {@code quit} as
 * {@link LinuxVm#monitorQuit} (exit 0), {@code system_powerdown} through whatever can ask the
 * guest (VMBus's shutdown service, when the VM has VMBus), and the balloon when an extension
 * offers one.
 */
final class VmQmpTarget implements QmpTarget {
    private final LinuxVm vm;
    private final Optional<BooleanSupplier> powerdown;
    private final Optional<BalloonControl> balloon;

    /**
     * @param powerdown asks the guest to power off and says whether it could be asked; empty when
     *                  the VM has no channel to ask through
     */
    VmQmpTarget(LinuxVm vm, Optional<BooleanSupplier> powerdown, Optional<BalloonControl> balloon) {
        this.vm = vm;
        this.powerdown = powerdown;
        this.balloon = balloon;
    }

    @Override
    public RunState status() {
        return switch (vm.state()) {
            case CREATED -> RunState.PRELAUNCH;
            case RUNNING -> RunState.RUNNING;
            case STOPPING, ENDED -> RunState.SHUTDOWN;
        };
    }

    @Override
    public void powerdown() {
        // QEMU presses the ACPI power button; jvmm's guests have no button to press, only the
        // VMBus shutdown service, so without it the request is refused rather than lost.
        BooleanSupplier ask = powerdown.orElseThrow(() -> QmpError.generic(
                "system_powerdown needs --vmbus: jvmm asks the guest through its shutdown service"));
        if (!ask.getAsBoolean()) {
            throw QmpError.generic("the guest's shutdown service is not running yet");
        }
    }

    @Override
    public void quit() {
        vm.monitorQuit("QMP quit");
    }

    @Override
    public void balloon(long bytes) {
        BalloonQmp.balloon(balloon, bytes);
    }

    @Override
    public BalloonInfo queryBalloon() {
        return BalloonQmp.query(balloon);
    }

    /**
     * The SHUTDOWN event for how the VM ended, with QEMU's ShutdownCause names. Ctrl-A x is
     * {@code host-ui} (QEMU's own Ctrl-A x says host-qmp-quit, which would hide who stopped it),
     * and {@code --timeout} is {@code host-signal}, as timeout(1) would signal QEMU.
     */
    static QmpEvent shutdownEvent(LinuxVmExit exit) {
        return switch (exit.kind()) {
            case RESET -> QmpEvent.shutdown(true, "guest-reset");
            case POWER_OFF, DEBUG_EXIT -> QmpEvent.shutdown(true, "guest-shutdown");
            case PANIC -> QmpEvent.shutdown(true, "guest-panic");
            case FAILED -> QmpEvent.shutdown(false, "host-error");
            case QUIT -> QmpEvent.shutdown(false, "host-ui");
            case MONITOR_QUIT -> QmpEvent.shutdown(false, "host-qmp-quit");
            case TIMEOUT, TERMINATED -> QmpEvent.shutdown(false, "host-signal");
        };
    }
}
