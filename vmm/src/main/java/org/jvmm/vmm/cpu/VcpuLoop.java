// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import org.jvmm.bindings.libc.Errno;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.vmm.exit.ExitDecoder;
import org.jvmm.vmm.exit.VcpuExit;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.stats.CountGroups;
import org.jvmm.vmm.stats.ExitCensus;
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
 * <p>The kicker writes the request, then {@code immediate_exit = 1}; the vCPU, back from an EINTR,
 * writes {@code immediate_exit = 0}, then reads the requests. Fences keep both orders (a release
 * fence on the kicker's side, a full one on the vCPU's, whose store must not pass its loads): so
 * either the vCPU sees the request, or the kicker's 1 lands after the vCPU's 0 and the next
 * KVM_RUN returns at once. Without them the vCPU's 0 could overwrite the kicker's 1 after the vCPU
 * had read the old request, and the request would wait for the guest's next exit, which may never
 * come.
 *
 * <p>Each exit goes to an {@link ExitDispatcher} ({@link #handle(VcpuExit)}): port I/O and MMIO
 * to the buses, MSR exits to the {@link MsrRegistry}, everything else to the extensions' exit
 * handlers; an exit nobody claims ends the vCPU with a {@link VcpuException}.
 */
public final class VcpuLoop {
    private static final Logger LOG = LoggerFactory.getLogger(VcpuLoop.class);
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;

    public enum State { RUNNING, PAUSED, FINISHED }

    private final int index;
    private final Vcpu vcpu;
    private final MemorySegment run;
    private final ExitDispatcher dispatcher;
    /** Written only by the vCPU thread, inside run(); null when no census is kept. */
    private final ExitCensus census;
    /**
     * The census as it stood when run() ended, or null before. The vCPU thread's counters are
     * plain fields it alone touches; this volatile write (after the last count) and the
     * controller's volatile read are the happens-before edge that makes the copy visible whole,
     * so no counter is ever read while it is written.
     */
    private volatile CountGroups published;
    private final VcpuTaskQueue tasks;

    private final Object lock = new Object();
    /** What the controller asked for; read by the vCPU thread at the top of every iteration. */
    private volatile State requested = State.RUNNING;
    private volatile State state = State.RUNNING;
    /** pthread of the vCPU thread while it may be inside KVM_RUN, else 0; guarded by lock. */
    private long thread;
    /** The same thread as a Java thread, null when {@link #thread} is 0; guarded by lock. */
    private Thread javaThread;

    /**
     * A loop that runs the tasks of {@code tasks} on its thread between guest entries, and with
     * {@code census} counts its exits (see {@link #census()}).
     */
    public VcpuLoop(Vcpu vcpu, ExitRouting routing, VcpuTaskQueue tasks, boolean census) {
        this(vcpu.index(), vcpu, vcpu.kvmRun(), routing, tasks, census);
    }

    /** For tests: a loop over any {@code kvm_run}-shaped segment, without a real vCPU. */
    VcpuLoop(int index, Vcpu vcpu, MemorySegment run, ExitRouting routing) {
        this(index, vcpu, run, routing, new VcpuTaskQueue(index), false);
    }

    private VcpuLoop(int index, Vcpu vcpu, MemorySegment run, ExitRouting routing, VcpuTaskQueue tasks,
            boolean census) {
        this.index = index;
        this.vcpu = vcpu;
        this.run = Objects.requireNonNull(run);
        this.census = census ? new ExitCensus() : null;
        this.dispatcher = new ExitDispatcher(index, vcpu, run, routing, this.census);
        this.tasks = Objects.requireNonNull(tasks);
        tasks.kick(this::kickForTask);
    }

    /** The tasks this vCPU's thread runs outside KVM_RUN (see {@link org.jvmm.vmm.spi.VcpuTasks}). */
    public VcpuTaskQueue tasks() {
        return tasks;
    }

    /**
     * The exits this loop saw, once {@link #run()} has returned: empty before that, and when the
     * loop keeps no census. Any thread.
     */
    public CountGroups census() {
        CountGroups c = published;
        return c == null ? CountGroups.EMPTY : c;
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
            // errno of KVM_RUN lands here: confined to this thread, so no per-exit lookups.
            MemorySegment capture = LibC.allocateCaptureState(scratch);
            Signals.unblockKickInCurrentThread();
            synchronized (lock) {
                thread = Signals.currentThread();
                javaThread = Thread.currentThread();
            }
            while (true) {
                // Before every entry: a task queued while the vCPU was in the guest kicked it out.
                if (tasks.hasPending()) {
                    tasks.runPending();
                }
                if (requested != State.RUNNING) {
                    VmExitStatus s = honourRequest();
                    if (s != null) {
                        return s;
                    }
                }
                VmExitStatus s = step(capture);
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
                javaThread = null;
            }
            // After thread is 0 no kick comes; tasks queued from now on are refused, those left
            // are cancelled, so nobody waits for a thread that will never run them. A kick sent
            // before that was delivered to its (no-op) handler on the way: nothing stays pending.
            tasks.close();
            if (census != null) {
                published = census.snapshot();
            }
            state = State.FINISHED;
        }
    }

    /**
     * One trip into the guest and back: KVM_RUN, decode, dispatch. Kept apart from the loop in
     * {@link #run()} so the JIT compiles it as an ordinary hot method instead of relying on
     * on-stack replacement of a loop that runs for the whole life of the VM.
     */
    private VmExitStatus step(MemorySegment capture) {
        int r = vcpu.run(capture);
        if (r == -EAGAIN) {
            // An application processor waiting for INIT/SIPI: KVM_RUN sleeps in the kernel until
            // the BSP sends one, then returns EAGAIN so userspace can look around; just run again.
            return null;
        }
        if (r < 0 && r != -EINTR) {
            throw new VcpuException(index, "KVM_RUN failed: " + Errno.describe(-r) + " " + dispatcher.registers());
        }
        if (r == 0) {
            // Fast path for the exits devices cause most: read the fields straight from kvm_run
            // and dispatch without building a VcpuExit, so a round trip allocates nothing.
            int reason = run.get(JAVA_INT, ExitDecoder.EXIT_REASON);
            if (reason == ExitDecoder.EXIT_IO) {
                dispatcher.handleIo(Short.toUnsignedInt(run.get(JAVA_SHORT, ExitDecoder.IO_PORT)),
                        Byte.toUnsignedInt(run.get(JAVA_BYTE, ExitDecoder.IO_SIZE)),
                        run.get(JAVA_BYTE, ExitDecoder.IO_DIRECTION) == VcpuExit.IO_OUT,
                        Integer.toUnsignedLong(run.get(JAVA_INT, ExitDecoder.IO_COUNT)),
                        run.get(JAVA_LONG, ExitDecoder.IO_DATA_OFFSET));
                return null;
            }
            if (reason == ExitDecoder.EXIT_MMIO) {
                int len = run.get(JAVA_INT, ExitDecoder.MMIO_LEN);
                boolean write = run.get(JAVA_BYTE, ExitDecoder.MMIO_IS_WRITE) != 0;
                dispatcher.handleMmio(run.get(JAVA_LONG, ExitDecoder.MMIO_PHYS_ADDR), len, write,
                        write ? run.get(JAVA_LONG, ExitDecoder.MMIO_DATA) & ExitDecoder.mask(len) : 0);
                return null;
            }
            if (reason == ExitDecoder.EXIT_HYPERV) {
                // Every VMBus signal and message is one of these: no slicing of kvm_run per exit.
                return dispatcher.handleHyperv(run.get(JAVA_INT, ExitDecoder.HYPERV));
            }
        }
        VcpuExit exit = ExitDecoder.decode(r, run);
        if (exit == VcpuExit.INTERRUPTED) {
            dispatcher.countInterrupted();
            run.set(JAVA_BYTE, ExitDecoder.IMMEDIATE_EXIT, (byte) 0);
            VarHandle.fullFence(); // the 0 before the reads of the requests (class comment)
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
                VarHandle.releaseFence(); // the request before the 1 (class comment)
                run.set(JAVA_BYTE, ExitDecoder.IMMEDIATE_EXIT, (byte) 1);
                Signals.kick(thread);
            }
        }
    }

    /**
     * Kicks the vCPU out of KVM_RUN so it runs a newly queued task; nothing before it starts or
     * after it ends. On the vCPU's own thread no signal is needed, but immediate_exit still is: a
     * task queued by a task (a delivery that queues the next one) is queued after the loop looked
     * at the queue, and without it the vCPU would enter the guest and leave the task waiting for
     * an exit that may never come (a halted guest waiting for that very message).
     */
    private void kickForTask() {
        synchronized (lock) {
            if (thread != 0) {
                // Sound for the same reason as in request(): the thread and kvm_run are alive.
                VarHandle.releaseFence(); // the queued task before the 1 (class comment)
                run.set(JAVA_BYTE, ExitDecoder.IMMEDIATE_EXIT, (byte) 1);
                if (Thread.currentThread() != javaThread) {
                    Signals.kick(thread);
                }
            }
        }
    }

    /**
     * Acts on one exit (see {@link ExitDispatcher}). Returns null to enter the guest again, or the
     * status that ends the vCPU; throws {@link VcpuException} for an exit nobody claims.
     */
    public VmExitStatus handle(VcpuExit exit) {
        return dispatcher.handle(exit);
    }
}
