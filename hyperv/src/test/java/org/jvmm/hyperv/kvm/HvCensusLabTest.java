// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.hyperv.testing.HvGuests;
import org.jvmm.vmm.cpu.VmExitStatus.Reason;
import org.jvmm.vmm.kvmtrace.KvmTraceCensus;
import org.jvmm.vmm.kvmtrace.TraceStatus;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.machine.MachineBuilder;
import org.jvmm.vmm.spi.MsrFilterRange;
import org.jvmm.vmm.stats.CountGroups;
import org.jvmm.vmm.stats.CountedMsrs;
import org.jvmm.vmm.stats.ExitCensus;

/**
 * The census oracle: a guest whose accesses to the Hyper-V vAPIC MSRs are known exactly
 * (hv_vapic_census.S: 15 of them) is counted exactly by both sources, jvmm's MSR filter
 * ({@link CountedMsrs}) and KVM's own {@code kvm:kvm_msr} trace point ({@link KvmTraceCensus}),
 * and the guest reads the same values under both. Two traced VMs run side by side, so each trace
 * source must also keep to its own VM's threads.
 */
@Tag("lab")
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HvCensusLabTest {
    private static final List<MsrFilterRange> VAPIC = List.of(new MsrFilterRange(0x40000070, 4, true, true));
    /** What hv_vapic_census.S does, as both sources key it. */
    private static final Map<String, Long> KNOWN = Map.of(
            "0x40000070 wrmsr", 5L,
            "0x40000071 wrmsr", 2L, "0x40000071 rdmsr", 1L,
            "0x40000072 wrmsr", 3L, "0x40000072 rdmsr", 2L,
            "0x40000073 wrmsr", 1L, "0x40000073 rdmsr", 1L);

    private record Run(CountGroups counts, TraceStatus trace, List<Long> seen, List<Long> gp) {}

    private static Run run(boolean filter) {
        KvmTraceCensus trace = new KvmTraceCensus("kvm_hv_", Set.of("kvm_hv_timer_state"), VAPIC);
        MachineBuilder b = Machine.builder().memorySize(1 << 20).irqchip(true).census(true)
                .extension(HypervLabTest.extension(HypervLabTest.features(HvFeature.VAPIC, HvFeature.VPINDEX)));
        if (filter) {
            b.extension(new CountedMsrs(VAPIC, HvVapicData.INSTANCE));
        }
        b.extension(trace);
        HypervLabTest.Port seen = new HypervLabTest.Port();
        HypervLabTest.Port gp = new HypervLabTest.Port();
        try (Machine m = HvGuests.loadLongMode(b, "hv_vapic_census")) {
            m.pio().register(0x38, 1, seen, "seen");
            m.pio().register(0x3f, 1, gp, "gp");
            assertEquals(Reason.SHUTDOWN, HypervLabTest.run(m).reason());
            return new Run(m.census().vcpus().get(0).counts(), trace.status(), seen.values(), gp.values());
        }
    }

    private static Map<String, Long> group(Run r, String group) {
        return r.counts().groups().getOrDefault(group, Map.of());
    }

    @Test
    void filterAndTraceCountTheKnownAccessesExactly() {
        // Two traced VMs at once: each instance's tables must hold its own VM's accesses only.
        CompletableFuture<Run> other = CompletableFuture.supplyAsync(() -> run(false));
        Run traced = run(false);
        Run alongside = other.join();
        Run filtered = run(true);

        for (Run r : List.of(traced, alongside, filtered)) {
            assertEquals(Optional.empty(), r.trace().unavailable(), "tracefs is usable in the lab");
            assertTrue(r.trace().events().contains("kvm:kvm_msr"), r.trace().events().toString());
            assertEquals(0, r.trace().dropped());
            assertEquals(List.of(), r.gp(), "no #GP");
            assertEquals(List.of(0x30L, 0L), r.seen(), "TPR reads back 0x30; the assist page is off");
        }
        assertEquals(KNOWN, group(traced, "kvm:kvm_msr"), "the trace point, without the filter");
        assertEquals(KNOWN, group(alongside, "kvm:kvm_msr"), "the other VM's trace, run at the same time");
        assertEquals(Map.of(), group(traced, ExitCensus.MSR), "no filter, no MSR exits");
        assertEquals(KNOWN, group(filtered, ExitCensus.MSR), "the filter");
        assertEquals(Map.of(), group(filtered, "kvm:kvm_msr"),
                "a filtered access completes in userspace, where KVM does not trace it");
        assertEquals(Map.of(
                "0x40000071 ICR Fixed self vec 0x40", 1L,
                "0x40000071 ICR Fixed phys dest 0x00 vec 0x41", 1L,
                "0x40000072 TPR 0x10", 1L, "0x40000072 TPR 0x20", 1L, "0x40000072 TPR 0x30", 1L,
                "0x40000073 VP_ASSIST_PAGE disable", 1L), group(filtered, CountedMsrs.DATA_GROUP));
    }
}
