// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.machine;

import static org.jvmm.bindings.kvm.kvm_h.KVM_CAP_X86_USER_SPACE_MSR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.cpu.VmExitStatus.Reason;
import org.jvmm.vmm.kvm.CpuidEntry;
import org.jvmm.vmm.kvm.MsrEntry;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.spi.HandlerRegistry;
import org.jvmm.vmm.spi.VmExtension;
import org.jvmm.vmm.testing.RecordingDevice;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/** The extension SPI, as Hyper-V uses it: hooks run in the documented order and reach the guest. */
@Tag("kvm")
class VmExtensionTest {

    /** Adds leaf 0x40000000 "jvmmTESTjvmm" and sets IA32_SYSENTER_CS, recording every call. */
    static final class Recorder implements VmExtension {
        final List<String> calls = new ArrayList<>();

        @Override
        public void vmCreated(Vm vm) {
            calls.add("vmCreated");
            vm.enableCap(KVM_CAP_X86_USER_SPACE_MSR(), 0); // per-VM caps are possible here
        }

        @Override
        public void registerHandlers(HandlerRegistry registry, GuestMemory memory) {
            calls.add("registerHandlers " + memory.totalSize());
        }

        @Override
        public void vcpuCreated(Vcpu vcpu) {
            calls.add("vcpuCreated " + vcpu.index());
        }

        @Override
        public void contributeCpuid(int vcpuIndex, List<CpuidEntry> entries) {
            calls.add("contributeCpuid " + vcpuIndex);
            entries.removeIf(e -> e.function() == 0x40000000);
            entries.add(new CpuidEntry(0x40000000, 0, 0, 0x40000001, 0x6d6d766a, 0x54534554, 0x6d6d766a));
        }

        @Override
        public void vcpuConfigured(Vcpu vcpu) {
            calls.add("vcpuConfigured " + vcpu.index());
            vcpu.setMsrs(List.of(new MsrEntry(0x174, 0x10)));
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    @Test
    void hooksRunInOrderAndTheGuestSeesTheirEffects() {
        Recorder ext = new Recorder();
        RecordingDevice cpuid = new RecordingDevice();
        RecordingDevice msr = new RecordingDevice();
        try (Machine m = TestGuests.load(Machine.builder().memorySize(1 << 20).irqchip(false).vcpus(2)
                .extension(ext), "cpuid", Mode.REAL)) {
            m.pio().register(0x60, 1, cpuid, "cpuid");
            m.pio().register(0x61, 1, msr, "msr");
            // vCPU 1 runs the same guest; both halt.
            assertEquals(Reason.HALTED, TestGuests.runToEnd(m).reason());
        }
        assertEquals(List.of("vmCreated", "registerHandlers 1048576",
                "vcpuCreated 0", "contributeCpuid 0", "vcpuConfigured 0",
                "vcpuCreated 1", "contributeCpuid 1", "vcpuConfigured 1", "close"), ext.calls);
        List<Long> words = cpuid.writtenValues();
        assertEquals(8, words.size());
        // Both vCPUs report the same four words; their writes may interleave, so compare as multisets.
        List<Long> expected = new java.util.ArrayList<>(List.of(0x40000001L, 0x6d6d766aL, 0x54534554L, 0x6d6d766aL));
        expected.addAll(List.copyOf(expected));
        assertEquals(expected.stream().sorted().toList(), words.stream().sorted().toList());
        assertEquals(List.of(0x10L, 0x10L), msr.writtenValues());
    }

    @Test
    void aFailingHookAbortsTheBuildAndReleasesEverything() throws Exception {
        long before = openFdCount();
        VmExtension broken = new VmExtension() {
            @Override
            public void vcpuCreated(Vcpu vcpu) {
                throw new VmmException("broken extension refuses vcpu " + vcpu.index());
            }
        };
        VmmException e = assertThrows(VmmException.class,
                () -> Machine.builder().memorySize(1 << 20).irqchip(false).extension(broken).build());
        assertEquals("broken extension refuses vcpu 0", e.getMessage());
        assertEquals(before, openFdCount(), "the aborted build closed /dev/kvm, the VM and the vCPU");
    }

    private static long openFdCount() throws java.io.IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
