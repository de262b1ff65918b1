// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks waiting for one vCPU's thread (see {@link org.jvmm.vmm.spi.VcpuTasks}). Any thread
 * submits; only the vCPU thread runs them ({@link #runPending()}). After {@link #close()} new tasks
 * are refused and queued ones cancelled; the lock makes "queued before close" and "refused after
 * close" the only two outcomes, so no task is ever left waiting for a thread that has gone.
 *
 * <p>The kick is called after the task is queued, outside the lock: a vCPU thread woken by it
 * (or about to enter the guest and seeing {@code immediate_exit}) finds the task already there.
 */
public final class VcpuTaskQueue {
    private static final Logger LOG = LoggerFactory.getLogger(VcpuTaskQueue.class);

    private record Task(Runnable body, CompletableFuture<Void> done) {}

    private final int index;
    private final ArrayDeque<Task> queue = new ArrayDeque<>();
    private volatile boolean nonEmpty;
    private boolean closed;
    private volatile Runnable kick = () -> {};

    public VcpuTaskQueue(int index) {
        this.index = index;
    }

    /** What makes the vCPU leave KVM_RUN; set once by its loop. */
    void kick(Runnable kick) {
        this.kick = Objects.requireNonNull(kick);
    }

    /** Queues {@code task} and kicks the vCPU; refused (cancelled future) once closed. */
    public CompletableFuture<Void> submit(Runnable task) {
        Objects.requireNonNull(task);
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                done.cancel(false);
                return done;
            }
            queue.add(new Task(task, done));
            nonEmpty = true;
        }
        kick.run();
        return done;
    }

    /** Cheap check for the vCPU loop's fast path. */
    public boolean hasPending() {
        return nonEmpty;
    }

    /**
     * Runs every task queued so far, on the calling (vCPU) thread. Tasks queued by these tasks wait
     * for the next call, so a task that keeps re-queueing itself cannot keep the vCPU out of the
     * guest.
     */
    public void runPending() {
        List<Task> batch;
        synchronized (this) {
            batch = new ArrayList<>(queue);
            queue.clear();
            nonEmpty = false;
        }
        for (Task t : batch) {
            try {
                t.body().run();
                t.done().complete(null);
            } catch (Throwable e) {
                t.done().completeExceptionally(e);
                if (e instanceof Error err) {
                    throw err;
                }
                // One device's failing task must not take the vCPU down with it.
                LOG.warn("task on vcpu {} failed: {}", index, e.toString());
            }
        }
    }

    /** Refuses new tasks and cancels those still queued (the vCPU thread is ending). */
    public void close() {
        List<Task> left;
        synchronized (this) {
            closed = true;
            left = new ArrayList<>(queue);
            queue.clear();
            nonEmpty = false;
        }
        left.forEach(t -> t.done().cancel(false));
    }
}
