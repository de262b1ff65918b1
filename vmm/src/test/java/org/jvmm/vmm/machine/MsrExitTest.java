// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.cpu.VmExitStatus.Reason;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.spi.MsrAnswer;
import org.jvmm.vmm.spi.MsrFilterRange;
import org.jvmm.vmm.spi.MsrHandler;
import org.jvmm.vmm.testing.RecordingDevice;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/**
 * MSR accesses that exit to userspace (KVM_CAP_X86_USER_SPACE_MSR + KVM_X86_SET_MSR_FILTER): one
 * answered by a Java handler, one refused so the long-mode guest takes #GP and reports it.
 */
@Tag("kvm")
class MsrExitTest {

    @Test
    void filteredMsrsReachTheHandlerAndARefusalIsAGuestGp() {
        List<String> seen = new ArrayList<>();
        MsrHandler handler = new MsrHandler() {
            @Override
            public MsrAnswer read(Vcpu vcpu, int index) {
                seen.add("rd %x".formatted(index));
                return index == 0x40001000 ? MsrAnswer.value(0xaabbccdd_11223344L) : MsrAnswer.FAULT;
            }

            @Override
            public MsrAnswer write(Vcpu vcpu, int index, long value) {
                seen.add("wr %x=%x".formatted(index, value));
                return MsrAnswer.OK;
            }
        };
        MachineBuilder b = Machine.builder().memorySize(2 << 20).irqchip(false)
                .msrFilter(new MsrFilterRange(0x40001000, 16, true, true))
                .msrHandler(0x40001000, 16, handler, "test MSRs");
        try (Machine m = TestGuests.load(b, "msr", Mode.LONG)) {
            RecordingDevice value = new RecordingDevice();
            RecordingDevice gp = new RecordingDevice();
            RecordingDevice fellThrough = new RecordingDevice();
            m.pio().register(0x50, 1, value, "value");
            m.pio().register(0x51, 1, gp, "gp");
            m.pio().register(0x52, 1, fellThrough, "fell-through");
            VmExitStatus s = TestGuests.runToEnd(m);
            assertEquals(Reason.HALTED, s.reason(), s.toString());
            assertEquals(List.of(0x11223344L, 0xaabbccddL), value.writtenValues());
            assertEquals(List.of("rd 40001000", "wr 40001001=1122334455667788", "rd 4000100f"), seen);
            assertEquals(List.of(13L), gp.writtenValues(), "the guest's #GP handler ran");
            assertEquals(List.of(), fellThrough.writtenValues(), "the refused RDMSR must not complete");
        }
    }
}
