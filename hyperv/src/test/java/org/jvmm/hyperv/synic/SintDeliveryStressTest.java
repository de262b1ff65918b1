// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.cpu.VcpuTaskQueue;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.spi.VcpuTasks;

/**
 * Message delivery under concurrency: a device thread posts numbered messages through a
 * {@link SintRoute} while a "guest" thread consumes the slot exactly as Linux's
 * {@code vmbus_signal_eom} does (clear message_type, full barrier, then EOM only if msg_pending
 * is set) and an ack thread turns each EOM into {@link SintRoute#acked()}, as KVM's resample fd
 * does. Every message must arrive, once and in order; a lost msg_pending (the guest emptied the
 * slot between the host's type check and its flag write) leaves a message staged for ever.
 *
 * <p>Two arrangements. As jvmm runs it: deliveries go through the vCPU's task queue, which the
 * guest thread runs between its "guest" rounds, as the vCPU loop does between KVM_RUNs. And the
 * hostile case: deliveries run on the posting threads while the guest consumes at the same time,
 * as when a guest maps one message page on two vCPUs; the slot protocol alone must then keep every
 * EOM. Before the fix (plain read-modify-write of msg_pending from the device thread) the second
 * arrangement stalled within a few hundred messages in 5 runs out of 5.
 */
class SintDeliveryStressTest {
    static final int MESSAGES = 20_000;
    static final int SINT = 2;
    static final long SIMP = 0x10000;
    static final VarHandle TYPE = ValueLayout.JAVA_INT.varHandle();
    static final VarHandle FLAGS = ValueLayout.JAVA_BYTE.varHandle();

    @Test
    void deliveredOnTheVcpuThreadEveryMessageArrivesOnceAndInOrder() throws Exception {
        VcpuTaskQueue vcpu0 = new VcpuTaskQueue(0);
        stress((index, task) -> vcpu0.submit(task), vcpu0);
    }

    @Test
    void deliveredFromOtherThreadsWhileTheGuestConsumesEveryMessageStillArrives() throws Exception {
        stress((index, task) -> {
            task.run();
            return CompletableFuture.completedFuture(null);
        }, null);
    }

    /** @param vcpuThread the queue the guest thread runs between rounds, null for none */
    void stress(VcpuTasks tasks, VcpuTaskQueue vcpuThread) throws Exception {
        GuestMemory memory = HvExits.ram(1 << 20);
        Synic synic = new Synic(0, memory);
        synic.scontrol(1);
        synic.simp(SIMP | 1);
        synic.apply();
        MemorySegment slot = memory.slice(SIMP + SINT * Synic.SLOT_SIZE, Synic.SLOT_SIZE);
        SintRoute route = new SintRoute(synic, SINT, SintSignal.NONE, tasks);

        AtomicInteger received = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger misordered = new AtomicInteger();
        Semaphore eoms = new Semaphore(0);

        Thread guest = Thread.ofPlatform().name("guest").start(() -> {
            while (!stop.get()) {
                if (vcpuThread != null && vcpuThread.hasPending()) {
                    vcpuThread.runPending();
                }
                if ((int) TYPE.getVolatile(slot, 0L) == 0) {
                    Thread.onSpinWait();
                    continue;
                }
                int seq = slot.get(GuestMemory.LE_INT, 16);
                if (seq != received.get() + 1) {
                    misordered.incrementAndGet();
                }
                received.set(seq);
                TYPE.setVolatile(slot, 0L, 0);
                VarHandle.fullFence();
                if (((byte) FLAGS.getVolatile(slot, 5L) & 1) != 0) {
                    eoms.release();
                }
            }
        });
        Thread acks = Thread.ofPlatform().name("ack").daemon(true).start(() -> {
            try {
                while (!stop.get()) {
                    if (eoms.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                        route.acked();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread device = Thread.ofPlatform().name("device").daemon(true).start(() -> {
            for (int i = 1; i <= MESSAGES && !stop.get(); i++) {
                byte[] m = message(i);
                while (route.post(m) == Synic.PostResult.ROUTE_BUSY && !stop.get()) {
                    Thread.onSpinWait();
                }
            }
        });

        try {
            int last = -1;
            long stalledSince = System.nanoTime();
            while (received.get() < MESSAGES) {
                Thread.sleep(20);
                int now = received.get();
                if (now != last) {
                    last = now;
                    stalledSince = System.nanoTime();
                } else if (System.nanoTime() - stalledSince > TimeUnit.SECONDS.toNanos(3)) {
                    fail("delivery stalled after message " + now + " of " + MESSAGES + ": slot type "
                            + (int) TYPE.getVolatile(slot, 0L) + ", msg_pending " + (slot.get(ValueLayout.JAVA_BYTE, 5) & 1)
                            + ", a message staged on the route: " + route.hasWaitingMessage());
                }
            }
        } finally {
            stop.set(true);
            guest.join();
            device.join(1000);
            acks.join(1000);
        }
        assertEquals(MESSAGES, received.get());
        assertEquals(0, misordered.get(), "messages lost, repeated or out of order");
    }

    static byte[] message(int seq) {
        byte[] m = new byte[Synic.SLOT_SIZE];
        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x100);
        m[4] = 4;
        b.putInt(16, seq);
        return m;
    }
}
