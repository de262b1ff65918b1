// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.jvmm.vmm.cpu.VcpuLoop;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.cpu.VmExitStatus.Reason;
import org.jvmm.vmm.testing.RecordingDevice;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/** SMP, stopping a running VM, and what a VM's lifecycle leaves behind. */
@Tag("kvm")
class MachineLifecycleTest {

    @Test
    void twoVcpusRunAtOnceAndEachReportsItsOwnIndex() {
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false).vcpus(2),
                "smp_index", Mode.REAL)) {
            RecordingDevice report = new RecordingDevice();
            m.pio().register(0x30, 1, report, "report");
            VmExitStatus s = TestGuests.runToEnd(m);
            assertEquals(Reason.HALTED, s.reason(), s.toString());
            // The guest only reports after both vCPUs arrived, so both ran at the same time.
            assertEquals(Set.of(0L, 1L), Set.copyOf(report.writtenValues()));
            assertEquals(2, report.writtenValues().size());
            assertEquals(2, m.memory().readShort(0x1000 + indexOfArrived()), "arrival counter");
        }
    }

    /** Offset of the {@code arrived} word in smp_index.bin: its last two bytes. */
    private static int indexOfArrived() {
        return org.jvmm.vmm.testing.GuestBinaries.get("smp_index").length - 2;
    }

    @Test
    void stoppingASpinningVcpuTakesWellUnderASecond() throws Exception {
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false).vcpus(2),
                "spin", Mode.REAL)) {
            m.start();
            Thread.sleep(100);
            assertTrue(m.awaitExit(Duration.ofMillis(50)).isEmpty(), "the spinning guest must still run");
            assertEquals(VcpuLoop.State.RUNNING, m.loop(0).state());
            long t0 = System.nanoTime();
            VmExitStatus s = m.stop();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Reason.STOPPED, s.reason(), s.toString());
            // Without the kick signal KVM_RUN on a spinning guest never returns; with it, a stop takes
            // a few ms on hardware and about 300 ms in the emulated lab (two vCPU threads on one
            // emulated CPU), so a second tells the two apart everywhere.
            assertTrue(ms < 1000, "stop took " + ms + " ms");
            assertEquals(VcpuLoop.State.FINISHED, m.loop(0).state());
            assertEquals(VcpuLoop.State.FINISHED, m.loop(1).state());
        }
    }

    @Test
    void pauseAndResumeASpinningVcpu() throws Exception {
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false), "spin", Mode.REAL)) {
            m.start();
            Thread.sleep(50);
            m.loop(0).pause();
            m.loop(0).awaitPaused();
            assertEquals(VcpuLoop.State.PAUSED, m.loop(0).state());
            // Registers can be read while paused: the thread is out of KVM_RUN.
            long rip = m.vcpu(0).getRegs().rip();
            assertTrue(rip == 0x1000, "rip 0x" + Long.toHexString(rip));
            m.loop(0).resume();
            Thread.sleep(20);
            assertEquals(VcpuLoop.State.RUNNING, m.loop(0).state());
            assertEquals(Reason.STOPPED, m.stop().reason());
        }
    }

    @Test
    void aVmLifecycleLeavesNoFileDescriptorsOpen() throws Exception {
        // Warm up once so lazily opened JDK/libc descriptors are not counted against the VM.
        runSpinAndStop();
        Set<String> before = openFds();
        for (int i = 0; i < 3; i++) {
            runSpinAndStop();
        }
        Set<String> after = openFds();
        assertEquals(before, after, "fds leaked: " + diff(after, before));
    }

    private static void runSpinAndStop() throws InterruptedException {
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false).vcpus(2)
                .backing(org.jvmm.vmm.memory.GuestRam.Backing.MEMFD), "spin", Mode.REAL)) {
            m.start();
            Thread.sleep(20);
        }
    }

    private static Set<String> openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(p -> {
                try {
                    return p.getFileName() + "->" + Files.readSymbolicLink(p);
                } catch (IOException e) {
                    return p.getFileName() + "->?";
                }
            }).filter(s -> !s.endsWith("->?")).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Set<String> diff(Set<String> a, Set<String> b) {
        Set<String> d = new TreeSet<>(a);
        d.removeAll(b);
        return d;
    }
}
