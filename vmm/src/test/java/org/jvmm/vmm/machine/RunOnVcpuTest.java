// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.cpu.VcpuLoop;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/** {@link Machine#runOnVcpu} on real vCPUs: a guest that never exits is kicked out to run the task. */
@Tag("kvm")
class RunOnVcpuTest {
    @Test
    void aTaskReachesASpinningVcpuOnItsOwnThreadAndTheVcpuRunsOn() throws Exception {
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false).vcpus(2),
                "spin", Mode.REAL)) {
            AtomicReference<String> early = new AtomicReference<>();
            CompletableFuture<Void> beforeStart = m.runOnVcpu(1, () -> early.set(Thread.currentThread().getName()));
            m.start();
            beforeStart.get(5, TimeUnit.SECONDS);
            assertEquals("vcpu-1", early.get(), "queued before start, run by the vCPU before its first entry");
            Thread.sleep(50);
            for (int i = 0; i < 100; i++) {
                AtomicReference<String> where = new AtomicReference<>();
                m.runOnVcpu(0, () -> where.set(Thread.currentThread().getName())).get(5, TimeUnit.SECONDS);
                assertEquals("vcpu-0", where.get());
            }
            assertEquals(VcpuLoop.State.RUNNING, m.loop(0).state(), "the guest goes on after each task");
            CompletableFuture<Void> failing = m.runOnVcpu(0, () -> {
                throw new IllegalStateException("device bug");
            });
            assertThrows(java.util.concurrent.ExecutionException.class, () -> failing.get(5, TimeUnit.SECONDS));
            m.runOnVcpu(0, () -> {}).get(5, TimeUnit.SECONDS);
            m.stop();
            assertTrue(m.runOnVcpu(0, () -> {}).isCancelled(), "refused once the vCPU has ended");
            assertThrows(IllegalArgumentException.class, () -> m.runOnVcpu(2, () -> {}));
        }
    }

    @Test
    void aTaskQueuedByATaskRunsWithoutWaitingForTheGuestToExit() throws Exception {
        // The spinning guest never exits by itself: a task that a task queues on its own vCPU
        // (as a message delivery queues the next message) must still run before the next entry.
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false), "spin", Mode.REAL)) {
            m.start();
            Thread.sleep(50);
            CompletableFuture<CompletableFuture<Void>> second = new CompletableFuture<>();
            m.runOnVcpu(0, () -> second.complete(m.runOnVcpu(0, () -> {}))).get(5, TimeUnit.SECONDS);
            second.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
            m.stop();
        }
    }

    /**
     * Kicks from several threads at once, against a guest that never exits by itself: every task
     * must reach the vCPU. A kick lost anywhere (the signal blocked, immediate_exit cleared over a
     * kicker's write, a handler that swallowed it) leaves its task waiting for good, so the get
     * times out. Pauses and resumes are mixed in, since they kick through the same path.
     */
    @Test
    void kicksFromManyThreadsAtOnceAreNeverLost() throws Exception {
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false), "spin", Mode.REAL)) {
            m.start();
            Thread.sleep(20);
            int threads = 4;
            int perThread = 500;
            java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads + 1);
            try {
                java.util.List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    all.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            m.runOnVcpu(0, ran::incrementAndGet).get(5, TimeUnit.SECONDS);
                        }
                        return null;
                    }));
                }
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        m.loop(0).pause();
                        m.loop(0).awaitPaused();
                        m.loop(0).resume();
                    }
                    return null;
                }));
                for (java.util.concurrent.Future<?> f : all) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(threads * perThread, ran.get());
            assertEquals(VcpuLoop.State.RUNNING, m.loop(0).state());
            m.stop();
        }
    }

    @Test
    void tasksOfAMachineThatNeverStartedAreCancelledWhenItCloses() {
        CompletableFuture<Void> f;
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false), "spin", Mode.REAL)) {
            f = m.runOnVcpu(0, () -> {});
        }
        assertTrue(f.isCancelled());
    }
}
