// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The run-on-vCPU queue without KVM: order, kicks, failures, and the end of the vCPU. */
class VcpuTaskQueueTest {
    @Test
    void tasksRunInOrderOnlyWhenTheVcpuThreadAsksAndEachSubmitKicks() {
        VcpuTaskQueue q = new VcpuTaskQueue(0);
        AtomicInteger kicks = new AtomicInteger();
        List<Integer> order = new ArrayList<>();
        q.kick(kicks::incrementAndGet);
        CompletableFuture<Void> a = q.submit(() -> order.add(1));
        CompletableFuture<Void> b = q.submit(() -> order.add(2));
        assertEquals(2, kicks.get());
        assertTrue(q.hasPending());
        assertEquals(List.of(), order, "nothing runs on the submitting thread");
        q.runPending();
        assertEquals(List.of(1, 2), order);
        assertTrue(a.isDone() && b.isDone() && !a.isCompletedExceptionally());
        assertFalse(q.hasPending());
    }

    @Test
    void aFailingTaskFailsItsFutureOnlyAndTheNextOnesStillRun() {
        VcpuTaskQueue q = new VcpuTaskQueue(0);
        CompletableFuture<Void> bad = q.submit(() -> {
            throw new IllegalStateException("device bug");
        });
        AtomicInteger ran = new AtomicInteger();
        CompletableFuture<Void> good = q.submit(ran::incrementAndGet);
        q.runPending();
        assertTrue(bad.isCompletedExceptionally());
        assertEquals(1, ran.get());
        assertTrue(good.isDone() && !good.isCompletedExceptionally());
    }

    @Test
    void aTaskQueuedByATaskWaitsForTheNextRound() {
        VcpuTaskQueue q = new VcpuTaskQueue(0);
        AtomicInteger ran = new AtomicInteger();
        q.submit(() -> q.submit(ran::incrementAndGet));
        q.runPending();
        assertEquals(0, ran.get(), "the vCPU gets back to the guest between rounds");
        q.runPending();
        assertEquals(1, ran.get());
    }

    @Test
    void closingCancelsWhatIsQueuedAndRefusesTheRest() {
        VcpuTaskQueue q = new VcpuTaskQueue(0);
        AtomicInteger ran = new AtomicInteger();
        CompletableFuture<Void> queued = q.submit(ran::incrementAndGet);
        q.close();
        CompletableFuture<Void> late = q.submit(ran::incrementAndGet);
        q.runPending();
        assertTrue(queued.isCancelled());
        assertTrue(late.isCancelled());
        assertEquals(0, ran.get());
    }

    @Test
    void underConcurrentSubmitsAndCloseEveryTaskEitherRunsOrIsCancelled() throws Exception {
        for (int round = 0; round < 50; round++) {
            VcpuTaskQueue q = new VcpuTaskQueue(0);
            AtomicInteger ran = new AtomicInteger();
            List<CompletableFuture<Void>> all = java.util.Collections.synchronizedList(new ArrayList<>());
            CountDownLatch go = new CountDownLatch(1);
            Thread submitter = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 2000; i++) {
                    all.add(q.submit(ran::incrementAndGet));
                }
            });
            go.countDown();
            for (int i = 0; i < 20; i++) {
                q.runPending();
            }
            q.close();
            submitter.join();
            long cancelled = all.stream().filter(CompletableFuture::isCancelled).count();
            assertTrue(all.stream().allMatch(CompletableFuture::isDone), "no task left waiting");
            assertEquals(all.size(), ran.get() + cancelled);
        }
    }
}
