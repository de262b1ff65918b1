// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import org.jvmm.bindings.libc.Errno;
import org.jvmm.vmm.bus.Bus;
import org.jvmm.vmm.exit.ExitDecoder;
import org.jvmm.vmm.exit.VcpuExit;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.spi.ExitHandler;
import org.jvmm.vmm.spi.MsrAnswer;
import org.jvmm.vmm.sys.Signals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one vCPU: KVM_RUN, decode, dispatch, repeat, on the thread that calls {@link #run()}.
 *
 * <p>An explicit state machine. The loop is RUNNING until the controller asks for PAUSED or
 * FINISHED ({@link #pause()}, {@link #stop()}), or an exit ends it (HLT, shutdown, a system event,
 * an error), after which it is FINISHED for good. A request reaches a vCPU inside KVM_RUN by a
 * kick: {@code immediate_exit} is set in {@code kvm_run}, then the kick signal (see
 * {@link Signals}) is sent to the thread; either makes KVM_RUN return EINTR, the first covering
 * the window just before the thread enters KVM_RUN.
 *
 * <p>{@link #handle(VcpuExit)} is the dispatch step as a plain function: port I/O and MMIO go to
 * the buses, MSR exits to the {@link MsrRegistry}, everything else to the extensions' exit
 * handlers; an exit nobody claims ends the vCPU with a {@link VcpuException}.
 */
public final class VcpuLoop {
    private static final Logger LOG = LoggerFactory.getLogger(VcpuLoop.class);
    private static final int EINTR = 4;

    public enum State { RUNNING, PAUSED, FINISHED }

    private final int index;
    private final Vcpu vcpu;
    private final MemorySegment run;
    private final long runSize;
    private final Bus pio;
    private final Bus mmio;
    private final MsrRegistry msrs;
    private final ExitHandler[] handlers;

    private final Object lock = new Object();
    /** What the controller asked for; read by the vCPU thread at the top of every iteration. */
    private volatile State requested = State.RUNNING;
    private volatile State state = State.RUNNING;
    /** pthread of the vCPU thread while it may be inside KVM_RUN, else 0; guarded by lock. */
    private long thread;

    public VcpuLoop(Vcpu vcpu, ExitRouting routing) {
        this(vcpu.index(), vcpu, vcpu.kvmRun(), routing);
    }

    /** For tests: a loop over any {@code kvm_run}-shaped segment, without a real vCPU. */
    VcpuLoop(int index, Vcpu vcpu, MemorySegment run, ExitRouting routing) {
        this.index = index;
        this.vcpu = vcpu;
        this.run = Objects.requireNonNull(run);
        this.runSize = run.byteSize();
        this.pio = routing.pio();
        this.mmio = routing.mmio();
        this.msrs = routing.msrs();
        this.handlers = routing.exitHandlers().toArray(ExitHandler[]::new);
    }

    public int index() {
        return index;
    }

    public State state() {
        return state;
    }

    /**
     * Runs the vCPU until it finishes, on the calling thread, and says why it finished. Never
     * throws for guest or KVM trouble: that is a {@link VmExitStatus.Reason#FAILED} status.
     */
    public VmExitStatus run() {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment sigScratch = org.jvmm.bindings.libc.SigSet.allocate(scratch);
            vcpu.setSignalMask(Signals.blockKickInCurrentThread());
            synchronized (lock) {
                thread = Signals.currentThread();
            }
            while (true) {
                if (requested != State.RUNNING) {
                    VmExitStatus s = honourRequest();
                    if (s != null) {
                        return s;
                    }
                }
                VmExitStatus s = step(sigScratch);
                if (s != null) {
                    return s;
                }
            }
        } catch (RuntimeException e) {
            LOG.error("vcpu {} failed: {}", index, e.getMessage());
            return VmExitStatus.failed(index, e);
        } finally {
            synchronized (lock) {
                thread = 0;
            }
            state = State.FINISHED;
        }
    }

    /**
     * One trip into the guest and back: KVM_RUN, decode, dispatch. Kept apart from the loop in
     * {@link #run()} so the JIT compiles it as an ordinary hot method instead of relying on
     * on-stack replacement of a loop that runs for the whole life of the VM.
     */
    private VmExitStatus step(MemorySegment sigScratch) {
        int r = vcpu.run();
        if (r < 0 && r != -EINTR) {
            throw new VcpuException(index, "KVM_RUN failed: " + Errno.describe(-r) + " " + registers());
        }
        if (r == 0) {
            // Fast path for the two exits devices cause most: read the fields straight from
            // kvm_run and dispatch without building a VcpuExit, so a round trip allocates nothing.
            int reason = run.get(JAVA_INT, ExitDecoder.EXIT_REASON);
            if (reason == ExitDecoder.EXIT_IO) {
                handleIo(Short.toUnsignedInt(run.get(JAVA_SHORT, ExitDecoder.IO_PORT)),
                        Byte.toUnsignedInt(run.get(JAVA_BYTE, ExitDecoder.IO_SIZE)),
                        run.get(JAVA_BYTE, ExitDecoder.IO_DIRECTION) == VcpuExit.IO_OUT,
                        Integer.toUnsignedLong(run.get(JAVA_INT, ExitDecoder.IO_COUNT)),
                        run.get(JAVA_LONG, ExitDecoder.IO_DATA_OFFSET));
                return null;
            }
            if (reason == ExitDecoder.EXIT_MMIO) {
                int len = run.get(JAVA_INT, ExitDecoder.MMIO_LEN);
                boolean write = run.get(JAVA_BYTE, ExitDecoder.MMIO_IS_WRITE) != 0;
                handleMmio(run.get(JAVA_LONG, ExitDecoder.MMIO_PHYS_ADDR), len, write,
                        write ? run.get(JAVA_LONG, ExitDecoder.MMIO_DATA) & ExitDecoder.mask(len) : 0);
                return null;
            }
        }
        VcpuExit exit = ExitDecoder.decode(r, run);
        if (exit == VcpuExit.INTERRUPTED) {
            run.set(JAVA_BYTE, ExitDecoder.IMMEDIATE_EXIT, (byte) 0);
            Signals.consumePending(sigScratch);
            return null;
        }
        return handle(exit);
    }

    /** Handles a PAUSED or FINISHED request; returns the final status, or null to run on. */
    private VmExitStatus honourRequest() {
        synchronized (lock) {
            while (requested == State.PAUSED) {
                state = State.PAUSED;
                lock.notifyAll();
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    requested = State.FINISHED;
                }
            }
            if (requested == State.FINISHED) {
                return VmExitStatus.of(VmExitStatus.Reason.STOPPED, index, "stopped by the host");
            }
            state = State.RUNNING;
            return null;
        }
    }

    /** Asks the vCPU to stop and kicks it; {@link #run()} then returns STOPPED. Any thread. */
    public void stop() {
        request(State.FINISHED);
    }

    /** Asks the vCPU to pause (kicking it out of the guest); see {@link #awaitPaused}. */
    public void pause() {
        request(State.PAUSED);
    }

    /** Lets a paused vCPU run again. */
    public void resume() {
        synchronized (lock) {
            if (requested == State.PAUSED) {
                requested = State.RUNNING;
                lock.notifyAll();
            }
        }
    }

    /** Waits until the vCPU is paused or finished. */
    public void awaitPaused() throws InterruptedException {
        synchronized (lock) {
            while (state == State.RUNNING && requested == State.PAUSED) {
                lock.wait(100);
            }
        }
    }

    private void request(State wanted) {
        synchronized (lock) {
            if (requested == State.FINISHED) {
                return;
            }
            requested = wanted;
            lock.notifyAll();
            if (thread != 0) {
                // Sound: the thread is alive while thread != 0 (cleared under this lock before it
                // leaves run()), and kvm_run stays mapped until the vCPU is closed after the join.
                run.set(JAVA_BYTE, ExitDecoder.IMMEDIATE_EXIT, (byte) 1);
                Signals.kick(thread);
            }
        }
    }

    /**
     * Acts on one exit. Returns null to enter the guest again, or the status that ends the vCPU.
     * Throws {@link VcpuException} for an exit nobody claims or a malformed one.
     */
    public VmExitStatus handle(VcpuExit exit) {
        switch (exit) {
            case VcpuExit.Io io -> handleIo(io.port(), io.size(), io.isOut(),
                    Integer.toUnsignedLong(io.count()), io.dataOffset());
            case VcpuExit.Mmio m -> handleMmio(m.gpa(), m.size(), m.isWrite(), m.data());
            case VcpuExit.MsrRead m -> answerMsr(msrs.read(vcpu, m.index()));
            case VcpuExit.MsrWrite m -> answerMsr(msrs.write(vcpu, m.index(), m.value()));
            case VcpuExit.Hlt h -> {
                return VmExitStatus.of(VmExitStatus.Reason.HALTED, index, "HLT " + registers());
            }
            case VcpuExit.Shutdown s -> {
                return VmExitStatus.of(VmExitStatus.Reason.SHUTDOWN, index, "triple fault " + registers());
            }
            case VcpuExit.SystemEvent e -> {
                return systemEvent(e);
            }
            case VcpuExit.Interrupted i -> { }
            case VcpuExit.Hyperv h -> offerToHandlers(exit);
            case VcpuExit.InternalError e -> offerToHandlers(exit);
            case VcpuExit.FailEntry e -> offerToHandlers(exit);
            case VcpuExit.Unknown u -> offerToHandlers(exit);
        }
        return null;
    }

    private void handleIo(int port, int size, boolean out, long count, long offset) {
        // size, count and offset are guest-influenced: the data must lie inside the mapping.
        if ((size != 1 && size != 2 && size != 4) || count == 0
                || offset < 0 || offset > runSize || count * size > runSize - offset) {
            throw new VcpuException(index, "malformed KVM_EXIT_IO: port 0x%x size %d count %d data offset 0x%x (mapping 0x%x)"
                    .formatted(port, size, count, offset, runSize));
        }
        if (out) {
            for (long i = 0; i < count; i++) {
                pio.write(port, size, load(offset + i * size, size));
            }
        } else {
            for (long i = 0; i < count; i++) {
                store(offset + i * size, size, pio.read(port, size));
            }
        }
    }

    private void handleMmio(long gpa, int size, boolean isWrite, long data) {
        if (size < 1 || size > 8) {
            throw new VcpuException(index, "malformed KVM_EXIT_MMIO: gpa 0x%x size %d".formatted(gpa, size));
        }
        if (isWrite) {
            mmio.write(gpa, size, data);
        } else {
            run.set(JAVA_LONG, ExitDecoder.MMIO_DATA, mmio.read(gpa, size) & ExitDecoder.mask(size));
        }
    }

    private void answerMsr(MsrAnswer answer) {
        run.set(JAVA_BYTE, ExitDecoder.MSR_ERROR, (byte) (answer.error() ? 1 : 0));
        run.set(JAVA_LONG, ExitDecoder.MSR_DATA, answer.value());
    }

    private VmExitStatus systemEvent(VcpuExit.SystemEvent e) {
        VmExitStatus.Reason reason = switch (e.type()) {
            case VcpuExit.SystemEvent.SHUTDOWN -> VmExitStatus.Reason.POWER_OFF;
            case VcpuExit.SystemEvent.RESET -> VmExitStatus.Reason.RESET;
            case VcpuExit.SystemEvent.CRASH -> VmExitStatus.Reason.CRASH;
            default -> null;
        };
        if (reason == null) {
            offerToHandlers(e);
            return null;
        }
        return VmExitStatus.of(reason, index, "system event %d (flags 0x%x)".formatted(e.type(), e.flags()));
    }

    private void offerToHandlers(VcpuExit exit) {
        for (ExitHandler h : handlers) {
            if (h.handle(vcpu, exit)) {
                return;
            }
        }
        throw new VcpuException(index, "unhandled exit " + exit + " " + registers());
    }

    private long load(long offset, int size) {
        return switch (size) {
            case 1 -> Byte.toUnsignedLong(run.get(JAVA_BYTE, offset));
            case 2 -> Short.toUnsignedLong(run.get(GuestMemory.LE_SHORT, offset));
            default -> Integer.toUnsignedLong(run.get(GuestMemory.LE_INT, offset));
        };
    }

    private void store(long offset, int size, long value) {
        switch (size) {
            case 1 -> run.set(JAVA_BYTE, offset, (byte) value);
            case 2 -> run.set(GuestMemory.LE_SHORT, offset, (short) value);
            default -> run.set(GuestMemory.LE_INT, offset, (int) value);
        }
    }

    /** The registers for a message; never throws (the vCPU may be what is broken). */
    private String registers() {
        if (vcpu == null) {
            return "[registers unavailable]";
        }
        try {
            return "[" + vcpu.getRegs().summary() + " " + vcpu.getSregs().summary() + "]";
        } catch (RuntimeException e) {
            return "[registers unavailable: " + e.getMessage() + "]";
        }
    }
}
