// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.leaks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.bus.BusDevice;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.machine.MachineBuilder;
import org.jvmm.vmm.memory.GuestRam;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/**
 * Create/run/destroy cycles of a 2-vCPU VM on the real KVM, in three kinds taken in turn: closed
 * while both vCPUs spin in the guest; closed while both take port-I/O exits back to back (a device
 * that sometimes sleeps 0.2 ms, so the stop often lands inside an exit); run to the guest's own
 * end (HLT). Guest RAM alternates between anonymous memory and a memfd. After the cycles the
 * process must hold the same fds (compared one by one, with their targets), the same number of
 * threads and of mappings, no KVM fd, mapping or vCPU thread, and about the same resident memory.
 *
 * <p>RSS tolerance: 4 MiB. Measured on this host (1000 cycles, 2 vCPUs, 1 MiB guests): the
 * difference after a GC ranged over a few hundred KiB either way, from the JIT's code cache and
 * malloc arenas of the vCPU threads; a leak of one guest's RAM per cycle (1 MiB) or of a kvm_run
 * mapping (12 KiB, 1000 cycles: 12 MiB) is far above it.
 *
 * <p>1000 cycles by default ({@code jvmm.leak.cycles} changes it); they take about 20 s here.
 */
@Tag("kvm")
class TeardownLeakTest {
    static final long RSS_TOLERANCE_KIB = 4096;
    private static final int CYCLES = Integer.getInteger("jvmm.leak.cycles", 1000);
    private static final int WARMUP = 30;

    /** Answers "keep going" (1) to the exit_bench guest's port reads, sometimes slowly. */
    private static final BusDevice SLOW_PORT = new BusDevice() {
        @Override
        public long read(long offset, int size) {
            if (ThreadLocalRandom.current().nextInt(8) == 0) {
                LockSupport.parkNanos(200_000);
            }
            return 1;
        }

        @Override
        public void write(long offset, int size, long value) {
        }
    };

    @Test
    void createRunDestroyCyclesLeaveNothingBehind() throws Exception {
        for (int i = 0; i < WARMUP; i++) {
            cycle(i);
        }
        ProcessResources before = settled();
        long start = System.nanoTime();
        List<String> endings = new ArrayList<>();
        for (int i = 0; i < CYCLES; i++) {
            endings.add(cycle(i));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ProcessResources after = settled();
        System.out.printf("teardown leaks: %d cycles in %.1f s; fds %d -> %d, threads %d -> %d, mappings %d -> %d,"
                + " RSS %d -> %d KiB (%+d)%n", CYCLES, seconds, before.fds().size(), after.fds().size(), before.threads(),
                after.threads(), before.maps(), after.maps(), before.rssKib(), after.rssKib(), after.rssKib() - before.rssKib());
        assertEquals(before.fds(), after.fds(), "open fds");
        assertEquals(before.threads(), after.threads(), "threads");
        assertEquals(before.maps(), after.maps(), "mappings");
        assertTrue(after.noVmLeft(), after.describeVm());
        assertTrue(Math.abs(after.rssKib() - before.rssKib()) <= RSS_TOLERANCE_KIB,
                "RSS %d -> %d KiB".formatted(before.rssKib(), after.rssKib()));
        assertTrue(endings.stream().filter(e -> e.equals("HALTED")).count() >= CYCLES / 3 - 1, "guests run to their end");
    }

    /** One VM's life; returns how it ended. */
    private static String cycle(int i) throws InterruptedException {
        int kind = i % 3;
        MachineBuilder b = Machine.builder().memorySize(1 << 20).irqchip(false).vcpus(2)
                .backing(i % 2 == 0 ? GuestRam.Backing.ANONYMOUS : GuestRam.Backing.MEMFD);
        String guest = switch (kind) {
            case 0 -> "spin";
            case 1 -> "exit_bench";
            default -> "hlt";
        };
        try (Machine m = TestGuests.load(b, guest, Mode.REAL)) {
            if (kind == 1) {
                m.pio().register(0x10, 1, SLOW_PORT, "slow");
            }
            m.start();
            if (kind == 2) {
                VmExitStatus s = m.awaitExit(Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("hlt guest did not end"));
                return s.reason().name();
            }
            LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(2_000_000));
            return m.stop().reason().name();
        }
    }

    /** The state once the JVM has settled: a GC, and the vCPU threads of the last VM gone. */
    private static ProcessResources settled() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ProcessResources.now();
    }
}
