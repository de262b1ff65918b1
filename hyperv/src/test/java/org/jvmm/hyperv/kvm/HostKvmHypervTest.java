// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.jvmm.hyperv.HostHvSupport;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.vmm.cpu.VmExitStatus.Reason;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.kvm.KvmException;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.testing.RecordingDevice;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/**
 * On whatever KVM the tests run (this machine's /dev/kvm, which may lack Hyper-V, or the lab's,
 * which has it): the probe agrees with KVM's own capability, a Hyper-V request the host cannot
 * honour fails with one line, a failing HV CPUID ioctl names itself, and without enlightenments
 * the extension stays out of the way of a running guest.
 */
@Tag("kvm")
class HostKvmHypervTest {
    static HostHvFacts facts;
    static HostHvSupport support;

    @BeforeAll
    static void probe() {
        try (Kvm kvm = Kvm.open()) {
            facts = HostHvProbe.probeFacts(kvm);
            support = HostHvProbe.probe(kvm);
        }
    }

    @Test
    void probeAgreesWithKvmHypervCapability() {
        assertEquals(15, facts.caps().size(), "every Hyper-V capability is asked");
        if (facts.cap("KVM_CAP_HYPERV") == 0) {
            assertEquals(HostHvSupport.Source.NONE, support.source());
            assertFalse(support.hypervAvailable());
            assertEquals(HostHvFacts.HvCpuidForm.NOT_AVAILABLE, facts.hvCpuidForm());
            assertTrue(facts.caps().values().stream().allMatch(v -> v == 0), facts.caps().toString());
            assertEquals(List.of(), facts.hvCpuid());
            assertTrue(facts.describe().contains("KVM_GET_SUPPORTED_HV_CPUID: NOT_AVAILABLE"));
        } else {
            assertTrue(support.hypervAvailable());
            assertNotEquals(HostHvSupport.Source.NONE, support.source());
            assertNotEquals(HostHvFacts.HvCpuidForm.NOT_AVAILABLE, facts.hvCpuidForm(), facts.describe());
            assertFalse(facts.hvCpuid().isEmpty(), facts.describe());
            // KVM's own signature leaf: "Linux KVM Hv" in EBX..EDX of 0x40000000.
            assertTrue(facts.hvCpuid().stream().anyMatch(l -> l.function() == 0x40000000 && l.ebx() == 0x756e694c),
                    facts.describe());
        }
    }

    @Test
    void hvCpuidIoctlFailureIsOneLineNamingTheIoctl() {
        // A descriptor that is no KVM fd at all: the error path must still be one KvmException line.
        int fd = LibC.open("/dev/null", LibC.O_RDONLY | LibC.O_CLOEXEC);
        try {
            KvmException e = assertThrows(KvmException.class, () -> HostHvProbe.getSupportedHvCpuid(fd));
            assertTrue(e.getMessage().startsWith("KVM_GET_SUPPORTED_HV_CPUID"), e.getMessage());
            assertTrue(e.getMessage().contains("ENOTTY"), e.getMessage());
            assertTrue(e.getMessage().contains("nent " + HostHvProbe.HV_CPUID_FIRST_NENT), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void aRequestTheHostCannotHonourFailsWithOneLine() {
        HvFeature wanted;
        String expected;
        if (!support.hypervAvailable()) {
            wanted = HvFeature.RELAXED;
            expected = "Hyper-V enlightenments requested (hv-relaxed) but the host KVM offers no Hyper-V"
                    + " (KVM_CAP_HYPERV is 0)";
        } else {
            // The lab (kvm-amd) never has hv-evmcs, an Intel-only feature; other hosts lack something else.
            wanted = Arrays.stream(HvFeature.values()).filter(f -> support.whyUnsupported(f) != null)
                    .findFirst().orElseThrow(() -> new AssertionError("this host supports every enlightenment"));
            expected = "Hyper-V " + wanted.desc() + " is not supported by the host kernel: " + support.whyUnsupported(wanted);
        }
        try (Kvm kvm = Kvm.open()) {
            HvConfigException e = assertThrows(HvConfigException.class,
                    () -> HypervExtension.create(HvConfig.builder().features(wanted).build(), kvm));
            assertEquals(expected, e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void withoutEnlightenmentsTheGuestRunsAndSeesKvmsSignature() {
        HypervExtension ext;
        try (Kvm kvm = Kvm.open()) {
            ext = HypervExtension.create(HvConfig.defaults(), kvm);
        }
        assertFalse(ext.enabled());
        RecordingDevice cpuid = new RecordingDevice();
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false).extension(ext),
                "cpuid", Mode.REAL)) {
            m.pio().register(0x60, 1, cpuid, "cpuid");
            m.pio().register(0x61, 1, new RecordingDevice(), "msr");
            assertEquals(Reason.HALTED, TestGuests.runToEnd(m).reason());
        }
        // CPUID 0x40000000: EBX..EDX = "KVMKVMKVM\0\0\0", untouched by the disabled extension.
        List<Long> v = cpuid.writtenValues();
        assertEquals(List.of(0x4b4d564bL, 0x564b4d56L, 0x4dL), v.subList(1, 4));
    }
}
