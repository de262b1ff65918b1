// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jvmm.vmm.bus.BusDevice;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.testing.GuestSetup;

/**
 * The Java half of {@code scripts/bench-exits}: runs the same guest as {@code exit_bench.c}
 * through the real {@link Machine}, {@code VcpuLoop} and buses, and prints the ns per exit of each
 * batch in the same format ("java pio ns1 ns2 ...", "java mmio ...").
 *
 * <p>Usage: {@code ExitBench GUEST.bin BATCHES BATCH WARMUP}. Not a test: it only measures.
 */
public final class ExitBench {
    private static final int PIO_PORT = 0x10;
    private static final long MMIO_ADDRESS = 0xd0000;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    /** Answers 1 ("again") until the phase has seen all its exits, stamping every batch. */
    static final class Phase implements BusDevice {
        private final long total;
        private final long warmup;
        private final long batch;
        private final long[] stamps;
        private long count;
        private int nstamps;
        private long allocStart;
        private long allocEnd;

        Phase(long batches, long batch, long warmup) {
            this.total = warmup + batches * batch;
            this.warmup = warmup;
            this.batch = batch;
            this.stamps = new long[(int) batches + 1];
        }

        @Override
        public long read(long offset, int size) {
            count++;
            // Stamps are taken every batch during warm-up too (and discarded), so the JIT has
            // seen this branch before timing starts and does not deoptimize on the first stamp.
            if (count % batch == 0) {
                long now = System.nanoTime();
                // Bytes the vCPU thread allocated over the timed exits: the hot path should add none.
                long allocated = THREADS.getCurrentThreadAllocatedBytes();
                if (count >= warmup) {
                    if (nstamps == 0) {
                        allocStart = allocated;
                    }
                    stamps[nstamps++] = now;
                    allocEnd = allocated;
                }
            }
            return count < total ? 1 : 0;
        }

        @Override
        public void write(long offset, int size, long value) {}

        /** Bytes allocated by the vCPU thread per timed exit. */
        double allocatedPerExit() {
            return (allocEnd - allocStart) / (double) Math.max(1, (nstamps - 1) * batch);
        }

        String report(String name) {
            StringBuilder sb = new StringBuilder("java ").append(name);
            for (int i = 1; i < nstamps; i++) {
                sb.append(' ').append("%.1f".formatted((stamps[i] - stamps[i - 1]) / (double) batch));
            }
            return sb.toString();
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: ExitBench GUEST.bin BATCHES BATCH WARMUP");
            System.exit(2);
        }
        byte[] guest = Files.readAllBytes(Path.of(args[0]));
        long batches = Long.parseLong(args[1]);
        long batch = Long.parseLong(args[2]);
        long warmup = Long.parseLong(args[3]);
        // The first call loads the management classes; make it here, not inside a timed batch.
        THREADS.getCurrentThreadAllocatedBytes();
        Phase pio = new Phase(batches, batch, warmup);
        Phase mmio = new Phase(batches, batch, warmup);
        // 512 KiB of RAM, so 0xd0000 is MMIO, exactly as in exit_bench.c.
        try (Machine m = Machine.builder().memorySize(0x80000).irqchip(false).build()) {
            m.pio().register(PIO_PORT, 1, pio, "bench-pio");
            m.mmio().register(MMIO_ADDRESS, 1, mmio, "bench-mmio");
            m.memory().write(0x1000, guest);
            GuestSetup.realMode(m.vcpu(0), 0x1000);
            m.start();
            VmExitStatus s = m.awaitExit();
            if (s.reason() != VmExitStatus.Reason.HALTED) {
                System.err.println("exit bench guest ended with " + s);
                System.exit(1);
            }
        }
        System.out.println(pio.report("pio"));
        System.out.println(mmio.report("mmio"));
        System.out.println("alloc pio %.2f mmio %.2f".formatted(pio.allocatedPerExit(), mmio.allocatedPerExit()));
    }
}
