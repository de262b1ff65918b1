// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jvmm.cli.qmp.BalloonQmp;
import org.jvmm.cli.qmp.QmpError;
import org.jvmm.cli.qmp.QmpEvent;
import org.jvmm.cli.qmp.QmpTarget;
import org.jvmm.hyperv.vmbus.ChannelDevice;
import org.jvmm.hyperv.vmbus.VmbusExtension;
import org.jvmm.hyperv.vmbus.VmbusServer;
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
    private final Optional<VmbusExtension> vmbus;
    private final Consumer<QmpEvent> events;

    /**
     * @param powerdown asks the guest to power off and says whether it could be asked; empty when
     *                  the VM has no channel to ask through
     */
    VmQmpTarget(LinuxVm vm, Optional<BooleanSupplier> powerdown, Optional<BalloonControl> balloon) {
        this(vm, powerdown, balloon, Optional.empty(), e -> {});
    }

    /**
     * @param vmbus  the VM's VMBus, whose devices device_del can take away
     * @param events where DEVICE_DELETED goes once the guest let a device go
     */
    VmQmpTarget(LinuxVm vm, Optional<BooleanSupplier> powerdown, Optional<BalloonControl> balloon,
            Optional<VmbusExtension> vmbus, Consumer<QmpEvent> events) {
        this.vm = vm;
        this.powerdown = powerdown;
        this.balloon = balloon;
        this.vmbus = vmbus;
        this.events = events;
    }

    /**
     * device_del on VMBus devices (ids as {@code jvmm run} names them in README): the guest is
     * told the device went away, and DEVICE_DELETED follows once it released it, as QEMU reports
     * a hot-unplug the guest has completed. QEMU's messages for unknown and already-leaving ids.
     */
    @Override
    public void deviceDel(String id) {
        VmbusServer.Removal r = vmbus.map(v -> v.removeDevice(id, () -> events.accept(QmpEvent.deviceDeleted(id))))
                .orElse(VmbusServer.Removal.UNKNOWN);
        switch (r) {
            case UNKNOWN -> throw QmpError.deviceNotFound(id);
            case PENDING -> throw QmpError.generic("device " + id + " is already in the process of unplug");
            case RESCINDED, GONE -> { }
        }
    }

    /** The balloon while its device is there: once device_del took it, QEMU's DeviceNotActive. */
    private Optional<BalloonControl> balloon() {
        return balloon.filter(b -> !(b instanceof ChannelDevice d) || vmbus.isEmpty()
                || vmbus.get().deviceIds().contains(d.name()));
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
        BalloonQmp.balloon(balloon(), bytes);
    }

    @Override
    public BalloonInfo queryBalloon() {
        return BalloonQmp.query(balloon());
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
