// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.cpu.VmExitStatus.Reason;
import org.jvmm.vmm.spi.MsrFilterRange;
import org.jvmm.vmm.stats.CountedMsrs;
import org.jvmm.vmm.stats.ExitCensus;
import org.jvmm.vmm.testing.RecordingDevice;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/**
 * Counted MSRs on the real KVM: every guest access exits, is counted by index and direction, and
 * is then carried out by KVM through KVM_GET_MSRS/KVM_SET_MSRS, so the guest (msr_count.S) sees
 * the same values and the same #GP as without counting.
 */
@Tag("kvm")
class CountedMsrsTest {
    private static final List<MsrFilterRange> COUNTED = List.of(
            new MsrFilterRange(0x174, 3, true, true), new MsrFilterRange(0xc0000102, 1, true, true));

    private record Seen(Reason reason, List<Long> values, List<Long> gp, List<Long> fellThrough, long espAfter,
                        Map<String, Long> msrCounts) {}

    private static Seen run(boolean counting) {
        MachineBuilder b = Machine.builder().memorySize(2 << 20).irqchip(false).census(true);
        if (counting) {
            b.extension(new CountedMsrs(COUNTED));
        }
        try (Machine m = TestGuests.load(b, "msr_count", Mode.LONG)) {
            RecordingDevice value = new RecordingDevice();
            RecordingDevice gp = new RecordingDevice();
            RecordingDevice fellThrough = new RecordingDevice();
            m.pio().register(0x50, 1, value, "value");
            m.pio().register(0x51, 1, gp, "gp");
            m.pio().register(0x52, 1, fellThrough, "fell-through");
            VmExitStatus s = TestGuests.runToEnd(m);
            long esp = m.vcpu(0).getMsrs(0x175).get(0).data();
            Map<String, Long> msrs = m.census().vcpus().get(0).counts().groups().getOrDefault(ExitCensus.MSR, Map.of());
            return new Seen(s.reason(), value.writtenValues(), gp.writtenValues(), fellThrough.writtenValues(), esp, msrs);
        }
    }

    @Test
    void countedAccessesAreCountedAndTheGuestSeesWhatItWouldHave() {
        Seen plain = run(false);
        Seen counted = run(true);
        assertEquals(Reason.HALTED, counted.reason());
        assertEquals(0x12345678L, counted.values().get(0), "the value written comes back through KVM");
        assertEquals(List.of(13L), counted.gp(), "KVM's refusal of a non-canonical base is the guest's #GP");
        assertEquals(List.of(), counted.fellThrough());
        assertEquals(counted.values().get(1) << 32 | 0x12345678L, counted.espAfter(), "the write reached KVM's state");
        assertEquals(Map.of("0x00000175 wrmsr", 1L, "0x00000175 rdmsr", 2L, "0xc0000102 wrmsr", 1L), counted.msrCounts());
        assertEquals(Map.of(), plain.msrCounts(), "without counting no MSR exits at all");
        assertEquals(plain.reason(), counted.reason());
        assertEquals(plain.values().get(0), counted.values().get(0));
        if (!amd()) {
            // Intel: the same guest without counting sees the same values and the same fault.
            assertEquals(new Seen(plain.reason(), counted.values(), counted.gp(), counted.fellThrough(),
                    counted.espAfter(), Map.of()), plain);
        } else {
            // Two known differences on AMD, measured in the lab (kvm-amd under QEMU's emulated SVM):
            // uncounted, SYSENTER_ESP lives in the VMCB with all 64 bits, while KVM's own handling
            // of the counted write keeps the upper half only for Intel guests (svm_set_msr), so the
            // counted guest reads 0 there; and the emulated CPU takes the non-canonical
            // KERNEL_GS_BASE write without the #GP a real CPU (and KVM) raises.
            assertEquals(0L, counted.values().get(1), "KVM drops the upper half on AMD");
        }
    }

    /** The host CPU's vendor is AMD (as in the Hyper-V lab): /proc/cpuinfo's vendor_id. */
    static boolean amd() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo")).contains("AuthenticAMD");
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot read /proc/cpuinfo", e);
        }
    }

    @Test
    void anMsrKvmRefusesIsRefusedAtBuildNamingIt() {
        MachineBuilder b = Machine.builder().memorySize(2 << 20).irqchip(false).census(true)
                .extension(new CountedMsrs(List.of(new MsrFilterRange(0x174, 1, true, true),
                        new MsrFilterRange(0x0badf00d, 2, true, true))));
        CountedMsrs.RefusedMsrException e = assertThrows(CountedMsrs.RefusedMsrException.class, b::build);
        assertEquals(0x0badf00d, e.msr());
        assertTrue(e.getMessage().contains("0xbadf00d"), e.getMessage());
    }

    @Test
    void moreRangesThanKvmTakesAreOneLineError() {
        List<MsrFilterRange> many = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            many.add(new MsrFilterRange(0x174 + 2 * i, 1, true, true));
        }
        MachineBuilder b = Machine.builder().memorySize(2 << 20).irqchip(false).extension(new CountedMsrs(many));
        VmmException e = assertThrows(VmmException.class, b::build);
        assertTrue(e.getMessage().contains("at most 16"), e.getMessage());
    }
}
