// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.machine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.bus.Bus;
import org.jvmm.vmm.bus.IrqLine;
import org.jvmm.vmm.cpu.VcpuLoop;
import org.jvmm.vmm.cpu.VcpuTaskQueue;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRam;
import org.jvmm.vmm.spi.CensusSink;
import org.jvmm.vmm.spi.VcpuTasks;
import org.jvmm.vmm.spi.VmExtension;
import org.jvmm.vmm.stats.Census;
import org.jvmm.vmm.stats.CountGroups;
import org.jvmm.vmm.stats.KvmStat;
import org.jvmm.vmm.stats.KvmStatsException;
import org.jvmm.vmm.stats.KvmStatsFd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A built VM: KVM, the VM, guest RAM, the buses, the vCPUs and their loops, and the extensions.
 * Build one with {@link #builder()}, set up the guest (load code, set registers), {@link #start()}
 * it, wait with {@link #awaitExit()}, and {@link #close()} it.
 *
 * <pre>{@code
 * try (Machine m = Machine.builder().memorySize(64 << 20).vcpus(1).irqchip(false).build()) {
 *     m.memory().write(0x1000, code);
 *     m.vcpu(0).setRegs(...);
 *     m.start();
 *     VmExitStatus status = m.awaitExit();
 * }
 * }</pre>
 *
 * <p>Each vCPU runs on its own platform thread named {@code vcpu-N}. The VM ends when one vCPU
 * sees a VM-ending exit (shutdown, power off, reset, crash, a failure), when the host calls
 * {@link #stop()}, or when every vCPU has halted; the other vCPUs are then kicked and joined.
 *
 * <p>Teardown order ({@link #close()}): stop and join the vCPU threads; close the extensions
 * (reverse order); delete the memory slots; close each vCPU (unmap kvm_run, close its fd); close
 * the VM fd; unmap guest RAM; close /dev/kvm. KVM keeps no reference to RAM once the slots are
 * gone, and nothing touches a kvm_run after its thread is joined.
 */
public final class Machine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Machine.class);

    private final Kvm kvm;
    private final Vm vm;
    private final GuestRam ram;
    private final Bus pio;
    private final Bus mmio;
    private final List<Vcpu> vcpus;
    private final List<VcpuLoop> loops;
    private final List<VmExtension> extensions;
    private final boolean census;
    private final VcpuTasks vcpuTasks;
    private final List<Thread> threads = new ArrayList<>();
    private final CompletableFuture<VmExitStatus> exit = new CompletableFuture<>();
    private VmExitStatus firstEnding;
    private int finished;
    private boolean started;
    private boolean closed;
    /** System.nanoTime() at start() and when the last vCPU finished; guarded by this. */
    private long startNanos;
    private long endNanos;

    Machine(Kvm kvm, Vm vm, GuestRam ram, Bus pio, Bus mmio, List<Vcpu> vcpus, List<VcpuLoop> loops,
            List<VmExtension> extensions, boolean census, VcpuTasks vcpuTasks) {
        this.kvm = kvm;
        this.vm = vm;
        this.ram = ram;
        this.pio = pio;
        this.mmio = mmio;
        this.vcpus = List.copyOf(vcpus);
        this.loops = List.copyOf(loops);
        this.extensions = List.copyOf(extensions);
        this.census = census;
        this.vcpuTasks = vcpuTasks;
    }

    static VcpuTasks vcpuTasks(List<VcpuTaskQueue> queues) {
        List<VcpuTaskQueue> copy = List.copyOf(queues);
        return (index, task) -> {
            if (index < 0 || index >= copy.size()) {
                throw new IllegalArgumentException("no vCPU " + index + " (the machine has " + copy.size() + ")");
            }
            return copy.get(index).submit(task);
        };
    }

    /**
     * Runs {@code task} on vCPU {@code index}'s thread while it is outside the guest (see
     * {@link VcpuTasks}); cancelled if the vCPU has ended or ends first.
     */
    public CompletableFuture<Void> runOnVcpu(int index, Runnable task) {
        return vcpuTasks.runOnVcpu(index, task);
    }

    /** The same as {@link #runOnVcpu}, as the interface extensions get. */
    public VcpuTasks vcpuTasks() {
        return vcpuTasks;
    }

    public static MachineBuilder builder() {
        return new MachineBuilder();
    }

    public Kvm kvm() {
        return kvm;
    }

    public Vm vm() {
        return vm;
    }

    public GuestRam ram() {
        return ram;
    }

    public GuestMemory memory() {
        return ram.memory();
    }

    /** The port-I/O bus; register devices before {@link #start()}. */
    public Bus pio() {
        return pio;
    }

    /** The MMIO bus; register devices before {@link #start()}. */
    public Bus mmio() {
        return mmio;
    }

    /**
     * An interrupt line driving GSI {@code gsi} of the in-kernel irqchip through KVM_IRQ_LINE
     * (ISA IRQs 0-15 are GSIs 0-15 with the default routing). Needs {@code irqchip(true)}.
     */
    public IrqLine irqLine(int gsi) {
        return level -> vm.irqLine(gsi, level);
    }

    public List<Vcpu> vcpus() {
        return vcpus;
    }

    public Vcpu vcpu(int index) {
        return vcpus.get(index);
    }

    public VcpuLoop loop(int index) {
        return loops.get(index);
    }

    /** Starts one thread per vCPU. */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "machine is closed" : "machine already started");
        }
        started = true;
        startNanos = System.nanoTime();
        for (VcpuLoop loop : loops) {
            Thread t = Thread.ofPlatform().name("vcpu-" + loop.index()).daemon(true).unstarted(() -> runVcpu(loop));
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    private void runVcpu(VcpuLoop loop) {
        Vcpu vcpu = vcpus.get(loop.index());
        extensions.forEach(e -> e.vcpuThreadStarted(vcpu));
        VmExitStatus status = loop.run();
        LOG.debug("vcpu {} finished: {}", loop.index(), status);
        List<VcpuLoop> toStop = List.of();
        synchronized (this) {
            finished++;
            if (status.reason().endsVm() && firstEnding == null) {
                firstEnding = status;
                toStop = loops;
            }
            if (finished == loops.size()) {
                endNanos = System.nanoTime();
                exit.complete(firstEnding != null ? firstEnding : status);
            }
        }
        toStop.forEach(VcpuLoop::stop);
    }

    /** Waits until the VM has ended (all vCPU threads finished) and says why. */
    public VmExitStatus awaitExit() {
        try {
            return exit.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmmException("interrupted while waiting for the VM to end");
        } catch (ExecutionException e) {
            throw new VmmException("waiting for the VM failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Like {@link #awaitExit()}, but gives up after {@code timeout}. */
    public Optional<VmExitStatus> awaitExit(Duration timeout) {
        try {
            return Optional.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new VmmException("waiting for the VM failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Stops every vCPU (kicking those inside the guest), joins the threads, returns the status. */
    public VmExitStatus stop() {
        synchronized (this) {
            if (!started) {
                started = true;
                exit.complete(VmExitStatus.of(VmExitStatus.Reason.STOPPED, -1, "never started"));
            }
            if (firstEnding == null) {
                firstEnding = VmExitStatus.of(VmExitStatus.Reason.STOPPED, -1, "stopped by the host");
            }
        }
        loops.forEach(VcpuLoop::stop);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmmException("interrupted while joining " + t.getName());
            }
        }
        // A vCPU that never started never closed its queue: nobody will run those tasks.
        loops.forEach(l -> l.tasks().close());
        return awaitExit();
    }

    /**
     * The VM's census (see {@link Census}): needs a machine built with {@code census(true)}, and a
     * VM that has ended ({@link #awaitExit()} or {@link #stop()} returned), because the vCPU
     * threads' counts are only read once their loops are over. Reads KVM's statistics now, so
     * call it before {@link #close()}; if KVM has none, the census says why instead.
     */
    public Census census() {
        if (!census) {
            throw new IllegalStateException("this machine was built without a census");
        }
        if (!exit.isDone()) {
            // isDone() reads what the last vCPU thread published by completing the future after
            // its loop ended; before that, counters may still be changing.
            throw new IllegalStateException("the census is taken after the VM has ended");
        }
        long wall;
        synchronized (this) {
            wall = endNanos - startNanos;
            if (wall < 0 || endNanos == 0) {
                wall = 0;
            }
        }
        List<CountGroups.Builder> extra = new ArrayList<>();
        loops.forEach(l -> extra.add(new CountGroups.Builder()));
        CountGroups.Builder vmWide = new CountGroups.Builder();
        CensusSink sink = (v, group, key, count) -> {
            if (v >= 0 && v < extra.size()) {
                extra.get(v).add(group, key, count);
            } else {
                vmWide.add(group, key, count);
            }
        };
        extensions.forEach(e -> e.census(sink));
        Optional<String> unavailable = Optional.empty();
        List<Census.PerVcpu> per = new ArrayList<>();
        for (VcpuLoop loop : loops) {
            List<KvmStat> kvmStats = List.of();
            if (unavailable.isEmpty()) {
                try {
                    Vcpu v = vcpus.get(loop.index());
                    kvmStats = KvmStatsFd.read(v::getStatsFd, "vcpu " + loop.index()).stats();
                } catch (KvmStatsException e) {
                    unavailable = Optional.of(e.getMessage());
                }
            }
            per.add(new Census.PerVcpu(loop.index(), loop.census().plus(extra.get(loop.index()).build()), kvmStats));
        }
        List<KvmStat> vmStats = List.of();
        if (unavailable.isEmpty()) {
            try {
                vmStats = KvmStatsFd.read(vm::getStatsFd, "vm").stats();
            } catch (KvmStatsException e) {
                unavailable = Optional.of(e.getMessage());
            }
        }
        return new Census(wall, per, vmWide.build(), vmStats, unavailable);
    }

    /** Stops the VM if needed and releases everything, in the order the class comment gives. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        stop();
        synchronized (this) {
            closed = true;
        }
        Teardown t = new Teardown();
        for (int i = extensions.size() - 1; i >= 0; i--) {
            t.run(extensions.get(i)::close);
        }
        t.run(ram::unregister);
        vcpus.forEach(v -> t.run(v::close));
        t.run(vm::close);
        t.run(ram::close);
        t.run(kvm::close);
        t.rethrow();
    }
}
