// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.bus.BusDevice;
import org.jvmm.vmm.devices.Serial16550;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/**
 * A guest writing 100 MiB to COM1 as fast as rep-outsb goes (guest serial_flood.S), through the
 * production console path (Serial16550, ConsoleWatch) into a sink that counts and checksums it,
 * while its second vCPU keeps taking exits on the same device. The VMM's RSS, sampled every
 * 20 ms from 10 MiB into the flood (JIT and heap warmed up) to its end, may grow by at most 1% of
 * what it was then; every byte must arrive, in order; the other vCPU must make progress in every
 * quarter second.
 */
@Tag("kvm")
class SerialFloodTest {
    private static final int ROUNDS = 25600;
    private static final int PATTERN = 4096;
    private static final long TOTAL = (long) ROUNDS * PATTERN;
    private static final long WARM = 10L << 20;

    /** The console: counts and checksums, keeps nothing. */
    private static final class Sink extends OutputStream {
        final CRC32 crc = new CRC32();
        volatile long count;

        @Override
        public void write(int b) {
            crc.update(b);
            count++;
        }
    }

    private record Sample(long nanos, long consoleBytes, long otherExits, long rssKib) {}

    static long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    @Test
    void aGuestFloodingCom1DoesNotGrowTheVmmNorBlockTheOtherVcpu() throws Exception {
        Sink sink = new Sink();
        AtomicLong other = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        List<Sample> samples = new ArrayList<>();
        long rssAtWarm;
        long started;
        long finished;
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false).vcpus(2),
                "serial_flood", Mode.REAL)) {
            Serial16550 serial = new Serial16550(level -> { }, new ConsoleWatch(sink, line -> { }));
            m.pio().register(Serial16550.COM1_BASE, Serial16550.PORT_COUNT, serial, "com1");
            m.pio().register(0x30, 1, counter(other::incrementAndGet), "progress");
            m.pio().register(0x31, 1, counter(done::countDown), "done");
            m.start();
            started = System.nanoTime();
            while (sink.count < WARM) {
                assertTrue(System.nanoTime() - started < 60_000_000_000L, "no console output");
                Thread.sleep(5);
            }
            System.gc();
            rssAtWarm = rssKib();
            while (!done.await(20, TimeUnit.MILLISECONDS)) {
                samples.add(new Sample(System.nanoTime(), sink.count, other.get(), rssKib()));
                assertTrue(System.nanoTime() - started < 120_000_000_000L, "flood not done after 120 s: " + sink.count);
            }
            finished = System.nanoTime();
            samples.add(new Sample(finished, sink.count, other.get(), rssKib()));
            m.stop();
        }
        assertEquals(TOTAL, sink.count, "console bytes");
        assertEquals(expectedCrc(), sink.crc.getValue(), "console checksum");
        long peak = samples.stream().mapToLong(Sample::rssKib).max().orElseThrow();
        double growth = (peak - rssAtWarm) / (double) rssAtWarm;
        double seconds = (finished - started) / 1e9;
        System.out.printf("serial flood: %d MiB in %.1f s (%.0f MiB/s), RSS %d KiB at 10 MiB, peak %d KiB (%+.2f%%),"
                + " other vCPU %d exit pairs%n", TOTAL >> 20, seconds, (TOTAL >> 20) / seconds, rssAtWarm, peak,
                growth * 100, other.get());
        assertTrue(growth <= 0.01, "RSS grew %.2f%% (%d -> %d KiB)".formatted(growth * 100, rssAtWarm, peak));
        // The other vCPU's exits go through the same bus and the same serial lock: it must never
        // stall for a quarter second while the flood runs.
        Sample windowStart = samples.get(0);
        for (Sample s : samples) {
            if (s.nanos() - windowStart.nanos() >= Duration.ofMillis(250).toNanos()) {
                assertTrue(s.otherExits() > windowStart.otherExits(), "the other vCPU made no progress for "
                        + (s.nanos() - windowStart.nanos()) / 1_000_000 + " ms at " + s.consoleBytes() + " console bytes");
                windowStart = s;
            }
        }
    }

    private static BusDevice counter(Runnable onWrite) {
        return new BusDevice() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
                onWrite.run();
            }
        };
    }

    private static long expectedCrc() {
        byte[] pattern = new byte[PATTERN];
        for (int i = 0; i < PATTERN; i++) {
            pattern[i] = (byte) ((i * 7 + 3) & 0xff);
        }
        CRC32 crc = new CRC32();
        for (int r = 0; r < ROUNDS; r++) {
            crc.update(pattern);
        }
        return crc.getValue();
    }
}
