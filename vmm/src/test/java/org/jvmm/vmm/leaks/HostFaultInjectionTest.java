// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.leaks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.memory.GuestRam;
import org.jvmm.vmm.sys.HostFaults;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/**
 * Fault injection on the host side (through {@link HostFaults}): building and starting a 2-vCPU
 * machine on the real KVM with its Nth ioctl failing, for every N up to the number it makes, and
 * the same for its mmaps (ENOMEM), its open of /dev/kvm (EMFILE) and its guest-RAM memfd
 * (EMFILE). A failure during construction must be one {@link VmmException} ({@code jvmm run}: one
 * line, exit 1), one on a running vCPU's thread a FAILED end of the VM ({@code jvmm run}: exit
 * 4), either naming the call, and leave the process with the fds, shared mappings and threads it
 * had, and no KVM fd, mapping or vCPU thread. A run without faults then still works.
 */
@Tag("kvm")
class HostFaultInjectionTest {

    @ParameterizedTest(name = "{0} failing with errno {1}")
    @CsvSource({"IOCTL, 12", "IOCTL, 22", "MMAP, 12", "OPEN, 24", "MEMFD, 24"})
    void everyFailingCallOfConstructionIsOneErrorAndLeaksNothing(HostFaults.Call kind, int errno) throws Exception {
        buildAndRun(); // lazily opened JDK descriptors and loaded classes do not count
        ProcessResources before = ProcessResources.now();
        List<String> messages = new ArrayList<>();
        int calls = 0;
        for (int n = 1; ; n++) {
            AtomicInteger seen = new AtomicInteger();
            int failAt = n;
            List<String> failed = new ArrayList<>();
            VmmException error = null;
            VmExitStatus status = null;
            try (AutoCloseable plan = HostFaults.install((call, what) -> {
                if (call == kind && seen.incrementAndGet() == failAt) {
                    failed.add(what);
                    return errno;
                }
                return 0;
            })) {
                status = buildAndRun();
            } catch (VmmException e) {
                error = e;
            }
            if (failed.isEmpty()) {
                calls = n - 1;
                break;
            }
            // A call of construction fails it with one exception (jvmm run: one line, exit 1); a
            // call a vCPU thread made once running would end the VM as failed instead, with the
            // call in its status (jvmm run: exit 4). None does today: the kick needs no
            // KVM_SET_SIGNAL_MASK any more, and KVM_RUN does not go through the seam.
            assertTrue(error != null || status.reason() == VmExitStatus.Reason.FAILED,
                    "call %d (%s) failed and the machine went on: %s".formatted(n, failed, status));
            String m = error != null ? error.getMessage() : status.toString();
            messages.add(m);
            assertFalse(m.contains("\n"), m);
            assertTrue(m.contains(failed.get(0).replaceAll("\\(.*", "")), "the message names the call: " + m + " / " + failed);
            ProcessResources after = ProcessResources.now();
            assertEquals(before.fds(), after.fds(), "fds after failing call " + n + " (" + failed + ")");
            assertEquals(before.sharedMappings(), after.sharedMappings(), "shared mappings after failing call " + n);
            assertTrue(after.noVmLeft(), after.describeVm());
            TeardownLeakTest.assertNoNewThreads(before, after);
        }
        System.out.printf("fault injection: %s with errno %d: each of %d calls failed in turn, e.g. %s%n",
                kind, errno, calls, messages.isEmpty() ? "-" : messages.get(messages.size() / 2));
        assertTrue(calls >= 1, "construction made no " + kind + " call");
        assertEquals(VmExitStatus.Reason.STOPPED, buildAndRun().reason(), "a machine without faults");
    }

    private static VmExitStatus buildAndRun() {
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(true).vcpus(2)
                .backing(GuestRam.Backing.MEMFD), "spin", Mode.REAL)) {
            m.start();
            // A vCPU whose own ioctl fails ends the VM at once; otherwise the guest spins on.
            return m.awaitExit(java.time.Duration.ofMillis(300)).orElseGet(m::stop);
        }
    }
}
