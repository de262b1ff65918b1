// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jvmm.vmm.acpi.AcpiDevices;
import org.jvmm.vmm.acpi.AcpiPm;
import org.jvmm.vmm.acpi.HpetTable;
import org.jvmm.vmm.boot.LinuxBoot;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.devices.CmosRtc;
import org.jvmm.vmm.devices.DebugExit;
import org.jvmm.vmm.devices.I8042;
import org.jvmm.vmm.devices.Serial16550;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.machine.MachineBuilder;
import org.jvmm.vmm.memory.X86Layout;
import org.jvmm.vmm.spi.VmExtension;
import org.jvmm.vmm.stats.Census;
import org.jvmm.vmm.timer.Hpet;
import org.jvmm.vmm.timer.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PC-like Linux guest booted directly from a kernel file: the {@link Machine} with the in-kernel
 * irqchip and PIT, the legacy devices on the port bus (COM1 on IRQ 4, the i8042 reset line, the
 * CMOS clock, the debug-exit port, a sink for POST codes at 0x80, the ACPI power-management
 * registers with the PM timer), the HPET on the MMIO bus unless the config leaves it out, the
 * kernel, initrd, command line and boot tables (MP and ACPI) in RAM, and vCPU 0 at the kernel's
 * 64-bit entry point.
 *
 * <pre>{@code
 * LinuxVmConfig config = LinuxVmConfig.of(Path.of("bzImage"), Optional.of(Path.of("initrd")), 512L << 20, 2);
 * try (LinuxVm vm = LinuxVm.create(config, System.out, System.in)) {
 *     LinuxVmExit exit = vm.run(Optional.of(Duration.ofMinutes(1)));
 *     System.exit(exit.exitCode());
 * }
 * }</pre>
 *
 * <p>How the VM ends and the exit code for each ending: {@link LinuxVmExit}. Devices that end the
 * VM (i8042 reset, debug exit, the console's power-down line) run on a vCPU thread; they record
 * the ending here and ask every vCPU loop to stop, and {@link #run} reports it once all have.
 */
public final class LinuxVm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LinuxVm.class);
    /** ISA port 0x80: POST codes a BIOS (and Linux's io_delay) writes; nothing listens. */
    static final int POST_CODE_PORT = 0x80;

    private final LinuxVmConfig config;
    private final Machine machine;
    private final ConsoleWatch console;
    private final Serial16550 serial;
    private final SerialInput input;
    /** Null without an HPET. */
    private final Hpet hpet;
    private final AtomicReference<LinuxVmExit> decided = new AtomicReference<>();
    /** Written by the thread in {@link #run}, read by monitors on theirs. */
    private volatile State state = State.CREATED;
    private LinuxBoot.Result boot;

    private LinuxVm(LinuxVmConfig config, Machine machine, OutputStream out, InputStream in) {
        this.config = config;
        this.machine = machine;
        this.console = new ConsoleWatch(out, line -> end(LinuxVmExit.powerOff(line.substring(line.indexOf("reboot:")))));
        this.serial = new Serial16550(machine.irqLine(Serial16550.COM1_IRQ), console);
        this.input = in == null ? null : new SerialInput(in, serial);
        this.hpet = config.hpet() ? new Hpet(NanoClock.HOST, machine::irqLine, machine.vm()::setPitHpetLegacy) : null;
    }

    /**
     * Checks the config, builds the machine, registers the devices and loads the kernel. Bad
     * input (file, size, count) raises a {@link org.jvmm.vmm.VmmException} with a one-line message.
     *
     * @param out the console: the guest's COM1 output, written through as it comes
     * @param in  console input for COM1, or null for none; end of input does not end the VM
     */
    public static LinuxVm create(LinuxVmConfig config, OutputStream out, InputStream in) {
        return create(config, out, in, false);
    }

    /** As {@link #create(LinuxVmConfig, OutputStream, InputStream)}; with {@code census}, see {@link #census()}. */
    public static LinuxVm create(LinuxVmConfig config, OutputStream out, InputStream in, boolean census) {
        LinuxVmLimits.check(config);
        MachineBuilder builder = Machine.builder()
                .census(census)
                .memorySize(config.memoryBytes())
                .maxMemorySize(config.maxMemoryBytes())
                .vcpus(config.cpus())
                .irqchip(false) // PcPlatform creates it, with the PIT's speaker port in the kernel
                .extension(new LinuxCpuid(config.cpus()));
        for (VmExtension ext : config.extensions()) {
            builder.extension(ext);
        }
        builder.extension(new PcPlatform());
        Machine machine = builder.build();
        LinuxVm vm;
        try {
            vm = new LinuxVm(config, machine, out, in);
            vm.setUp();
        } catch (RuntimeException e) {
            try {
                machine.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return vm;
    }

    private void setUp() {
        var pio = machine.pio();
        pio.register(Serial16550.COM1_BASE, Serial16550.PORT_COUNT, serial, "com1");
        pio.register(I8042.BASE, I8042.PORT_COUNT, new I8042(() -> end(LinuxVmExit.reset("i8042 reset line")),
                machine.irqLine(I8042.KBD_IRQ), machine.irqLine(I8042.AUX_IRQ)), "i8042");
        long below4g = Math.min(config.memoryBytes(), X86Layout.PCI_HOLE_START);
        pio.register(CmosRtc.BASE, CmosRtc.PORT_COUNT,
                new CmosRtc(below4g, config.memoryBytes() - below4g, Clock.systemUTC()), "cmos-rtc");
        pio.register(DebugExit.BASE, DebugExit.PORT_COUNT, new DebugExit(code -> end(LinuxVmExit.debugExit(code))), "debug-exit");
        pio.register(POST_CODE_PORT, 1, new PostCodeSink(), "post-code");
        pio.register(AcpiPm.BASE, AcpiPm.PORT_COUNT, new AcpiPm(() -> end(LinuxVmExit.powerOff("ACPI S5"))), "acpi-pm");
        List<byte[]> tables = new ArrayList<>();
        if (hpet != null) {
            machine.mmio().register(Hpet.BASE, Hpet.SIZE, hpet, "hpet");
            tables.add(HpetTable.build(Hpet.BLOCK_ID, Hpet.BASE, Hpet.MIN_TICKS));
        }
        boot = LinuxBoot.prepare(machine.memory(), new LinuxBoot.Config(config.kernel(), config.initrd(),
                config.cmdline(), config.cpus(), Optional.of(acpiDevices(config)), tables));
        BootRegisters.apply(machine.vcpu(0), boot.cpu());
        LOG.debug("kernel {} at 0x{} entry 0x{}, initrd {}", boot.kernel().format(),
                Long.toHexString(boot.kernel().loadStart()), Long.toHexString(boot.kernel().entry()), boot.initrd());
    }

    /**
     * The devices above as the DSDT describes them, so Linux's PNP drivers find them by ID, then
     * the extensions' own (the VMBus device, for one).
     */
    private static List<byte[]> acpiDevices(LinuxVmConfig config) {
        List<byte[]> devices = new ArrayList<>(List.of(
                AcpiDevices.serial("COM1", 1, Serial16550.COM1_BASE, Serial16550.COM1_IRQ),
                AcpiDevices.ps2Keyboard("PS2K", I8042.BASE, I8042.BASE + 4, I8042.KBD_IRQ),
                AcpiDevices.ps2Mouse("PS2M", I8042.AUX_IRQ),
                AcpiDevices.cmosRtc("RTC", CmosRtc.BASE, CmosRtc.PORT_COUNT)));
        if (config.hpet()) {
            devices.add(AcpiDevices.hpet("HPET", Hpet.BASE, Hpet.SIZE));
        }
        for (VmExtension ext : config.extensions()) {
            devices.addAll(ext.acpiDevices());
        }
        return devices;
    }

    public LinuxVmConfig config() {
        return config;
    }

    public Machine machine() {
        return machine;
    }

    /** Where the kernel and initrd went, and the boot vCPU's state. */
    public LinuxBoot.Result boot() {
        return boot;
    }

    /**
     * Stops the VM on the host user's request, from any thread: {@link #run} then returns a
     * {@link LinuxVmExit.Kind#QUIT} ending, unless the guest or the timeout ended it first.
     *
     * @param how what the user did, for the exit message, e.g. {@code "Ctrl-A x"}
     */
    public void quit(String how) {
        end(LinuxVmExit.quit(how));
    }

    /**
     * Stops the VM because a management client asked for it (QMP {@code quit}), from any thread:
     * a {@link LinuxVmExit.Kind#MONITOR_QUIT} ending, exit 0 as QEMU's, unless something else
     * ended the VM first.
     */
    public void monitorQuit(String how) {
        end(LinuxVmExit.monitorQuit(how));
    }

    /** Where the VM is in its life, as a monitor asking from another thread sees it. */
    public enum State {
        /** Built, {@link #run} not called yet. */
        CREATED,
        /** The vCPUs run and nothing has decided the ending. */
        RUNNING,
        /** An ending is decided (device, quit, terminate) and the vCPUs are being stopped. */
        STOPPING,
        /** {@link #run} has returned. */
        ENDED
    }

    /** The VM's state now; any thread may ask. */
    public State state() {
        State s = state;
        return s == State.RUNNING && decided.get() != null ? State.STOPPING : s;
    }

    /** Stops the VM because the host asked jvmm to end (SIGTERM), from any thread: exit 143. */
    public void terminate(String how) {
        end(LinuxVmExit.terminated(how));
    }

    /**
     * Records how the VM ends (first caller wins) and stops the vCPUs from a short-lived thread of
     * its own. Devices call this on a vCPU thread, and a vCPU loop must not be stopped from its
     * own thread: the stop request kicks the thread with a signal it blocks outside KVM_RUN, and
     * that signal, still pending when the thread exits, is delivered into a dying JVM thread.
     */
    private void end(LinuxVmExit exit) {
        if (decided.compareAndSet(null, exit)) {
            LOG.debug("ending the VM: {}", exit.message());
            // At once, on the calling thread: stop() only flags the loop and kicks it, so it is safe
            // from a device callback on a vCPU thread, and that vCPU then never re-enters the guest.
            // A thread of its own left a window in which the guest ran on past its debug-exit write
            // (RunLabTest saw its "not-reached" line in a slow lab).
            for (int i = 0; i < config.cpus(); i++) {
                machine.loop(i).stop();
            }
        }
    }

    /**
     * Starts the vCPUs and the console input, waits until the VM ends or {@code timeout} passes,
     * and says how it ended. The vCPUs are stopped when this returns.
     */
    public LinuxVmExit run(Optional<Duration> timeout) {
        if (input != null) {
            input.start();
        }
        state = State.RUNNING;
        if (hpet != null) {
            hpet.start();
        }
        machine.start();
        try {
            Optional<VmExitStatus> status = timeout.isPresent() ? machine.awaitExit(timeout.get())
                    : Optional.of(machine.awaitExit());
            if (status.isEmpty()) {
                machine.stop();
                if (decided.get() != null) {
                    return decided.get();
                }
                logWhereTheVcpusWere();
                return LinuxVmExit.timeout(timeout.get());
            }
            return interpret(status.get());
        } finally {
            state = State.ENDED;
            if (input != null) {
                input.stop();
            }
        }
    }

    /** A guest that never ended is stuck somewhere: its registers in the log say where. */
    private void logWhereTheVcpusWere() {
        for (int i = 0; i < config.cpus(); i++) {
            LOG.warn("vcpu {} at timeout: {}", i, machine.vcpu(i).registerSummary());
        }
    }

    /** The ending from the machine's status, the devices' verdict and what the console said. */
    LinuxVmExit interpret(VmExitStatus status) {
        LinuxVmExit exit = decided.get();
        if (exit == null) {
            exit = switch (status.reason()) {
                case RESET -> LinuxVmExit.reset("KVM_SYSTEM_EVENT_RESET");
                case POWER_OFF -> LinuxVmExit.powerOff("KVM_SYSTEM_EVENT_SHUTDOWN");
                case CRASH -> LinuxVmExit.panic();
                case SHUTDOWN -> console.restartRequested() || config.rebootsByTripleFault() || console.panicked()
                        ? LinuxVmExit.reset("triple fault after a reboot request")
                        : failure(status, "unexpected triple fault");
                case FAILED, HALTED, STOPPED -> failure(status, "vcpu " + status.vcpu());
            };
        }
        if (console.panicked() && exit.kind() == LinuxVmExit.Kind.RESET) {
            return LinuxVmExit.panic();
        }
        return exit;
    }

    /** One line for the user (without the register dump), the registers in the error log. */
    private static LinuxVmExit failure(VmExitStatus status, String what) {
        LOG.error("{}: {}", what, status.detail());
        String detail = status.detail();
        int regs = detail.indexOf(" [");
        return LinuxVmExit.failed(what + ": " + (regs > 0 ? detail.substring(0, regs) : detail));
    }

    /**
     * The VM's census once {@link #run} has returned, before {@link #close()}; needs a VM
     * created with a census (see {@link Machine#census()}).
     */
    public Census census() {
        return machine.census();
    }

    @Override
    public void close() {
        if (input != null) {
            input.stop();
        }
        if (hpet != null) {
            hpet.close(); // before the VM whose interrupt lines its thread drives
        }
        machine.close();
    }

    /** Swallows port 0x80 writes; reads return 0 (nothing to report). */
    private static final class PostCodeSink implements org.jvmm.vmm.bus.BusDevice {
        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {}
    }
}
