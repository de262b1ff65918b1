// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.HostHvSupport;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.vmm.cpu.VmExitStatus.Reason;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.testing.RecordingDevice;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/**
 * On this machine's /dev/kvm, which has no Hyper-V (no CONFIG_KVM_HYPERV): the probe says so
 * without error, requesting an enlightenment fails with one line, and without enlightenments the
 * extension stays out of the way of a running guest.
 */
class HostKvmHypervTest {
    static HostHvFacts facts;

    @BeforeAll
    static void probe() {
        try (Kvm kvm = Kvm.open()) {
            facts = HostHvProbe.probeFacts(kvm);
        }
        // The lab has Hyper-V; these expectations are for hosts without it (the lab tests cover the rest).
        assumeTrue(facts.cap("KVM_CAP_HYPERV") == 0, "host KVM has Hyper-V: covered by HypervLabTest");
    }

    @Test
    void probeReportsNoHyperv() {
        try (Kvm kvm = Kvm.open()) {
            HostHvSupport s = HostHvProbe.probe(kvm);
            assertEquals(HostHvSupport.Source.NONE, s.source());
            assertFalse(s.hypervAvailable());
        }
        assertEquals(HostHvFacts.HvCpuidForm.NOT_AVAILABLE, facts.hvCpuidForm());
        assertEquals(15, facts.caps().size(), "every Hyper-V capability is asked");
        assertTrue(facts.caps().values().stream().allMatch(v -> v == 0), facts.caps().toString());
        assertEquals(List.of(), facts.hvCpuid());
        assertTrue(facts.describe().contains("KVM_GET_SUPPORTED_HV_CPUID: NOT_AVAILABLE"));
    }

    @Test
    void hvCpuidIoctlFailureIsOneLineNamingTheIoctl() {
        // Without KVM_CAP_SYS_HYPERV_CPUID the system form is refused; the probe never asks it
        // here, but the error path must still be a clean one-line KvmException.
        try (Kvm kvm = Kvm.open()) {
            org.jvmm.vmm.kvm.KvmException e = assertThrows(org.jvmm.vmm.kvm.KvmException.class,
                    () -> HostHvProbe.getSupportedHvCpuid(kvm.fd()));
            assertTrue(e.getMessage().startsWith("KVM_GET_SUPPORTED_HV_CPUID"), e.getMessage());
            assertTrue(e.getMessage().contains("nent 11"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void requestingAnEnlightenmentFailsWithOneLine() {
        try (Kvm kvm = Kvm.open()) {
            HvConfigException e = assertThrows(HvConfigException.class,
                    () -> HypervExtension.create(HvConfig.builder().features(HvFeature.RELAXED).build(), kvm));
            assertEquals("Hyper-V enlightenments requested (hv-relaxed) but the host KVM offers no Hyper-V"
                    + " (KVM_CAP_HYPERV is 0)", e.getMessage());
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
