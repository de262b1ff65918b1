// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.exit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.jvmm.bindings.kvm.kvm_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvmm.bindings.kvm.kvm_hyperv_exit;
import org.jvmm.bindings.kvm.kvm_run;

/** ExitDecoder on a kvm_run-shaped segment filled through the bindings' setters; no KVM. */
class ExitDecoderTest {
    private Arena arena;
    private MemorySegment run;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        run = kvm_run.allocate(arena);
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    @Test
    void io() {
        kvm_run.exit_reason(run, KVM_EXIT_IO());
        MemorySegment io = kvm_run.io(run);
        kvm_run.io.direction(io, (byte) KVM_EXIT_IO_OUT());
        kvm_run.io.size(io, (byte) 2);
        kvm_run.io.port(io, (short) 0xcf8);
        kvm_run.io.count(io, 3);
        kvm_run.io.data_offset(io, 4096);
        assertEquals(new VcpuExit.Io(0xcf8, 2, VcpuExit.IO_OUT, 3, 4096), ExitDecoder.decode(0, run));
    }

    @Test
    void ioPortAboveSignedShortRangeIsUnsigned() {
        kvm_run.exit_reason(run, KVM_EXIT_IO());
        kvm_run.io.port(kvm_run.io(run), (short) 0xfff0);
        kvm_run.io.size(kvm_run.io(run), (byte) 1);
        assertEquals(0xfff0, ((VcpuExit.Io) ExitDecoder.decode(run)).port());
    }

    @Test
    void mmioWriteMasksDataToItsLength() {
        kvm_run.exit_reason(run, KVM_EXIT_MMIO());
        MemorySegment m = kvm_run.mmio(run);
        kvm_run.mmio.phys_addr(m, 0xfee0_00b0L);
        kvm_run.mmio.len(m, 2);
        kvm_run.mmio.is_write(m, (byte) 1);
        kvm_run.mmio.data(m).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1122_3344_5566_7788L);
        assertEquals(new VcpuExit.Mmio(0xfee0_00b0L, 2, true, 0x7788), ExitDecoder.decode(run));
    }

    @Test
    void mmioRead() {
        kvm_run.exit_reason(run, KVM_EXIT_MMIO());
        kvm_run.mmio.phys_addr(kvm_run.mmio(run), 0xd0000);
        kvm_run.mmio.len(kvm_run.mmio(run), 8);
        assertEquals(new VcpuExit.Mmio(0xd0000, 8, false, 0), ExitDecoder.decode(run));
    }

    @Test
    void sharedInstancesForExitsWithoutData() {
        kvm_run.exit_reason(run, KVM_EXIT_HLT());
        assertSame(VcpuExit.HLT, ExitDecoder.decode(run));
        kvm_run.exit_reason(run, KVM_EXIT_SHUTDOWN());
        assertSame(VcpuExit.SHUTDOWN, ExitDecoder.decode(run));
        kvm_run.exit_reason(run, KVM_EXIT_INTR());
        assertSame(VcpuExit.INTERRUPTED, ExitDecoder.decode(run));
    }

    @Test
    void eintrIsTheKickWhateverKvmRunSays() {
        kvm_run.exit_reason(run, KVM_EXIT_IO());
        assertSame(VcpuExit.INTERRUPTED, ExitDecoder.decode(-4, run));
        assertThrows(IllegalArgumentException.class, () -> ExitDecoder.decode(-22, run));
    }

    @Test
    void msrExits() {
        kvm_run.exit_reason(run, KVM_EXIT_X86_WRMSR());
        MemorySegment msr = kvm_run.msr(run);
        kvm_run.msr.index(msr, 0x40000070);
        kvm_run.msr.data(msr, -2L);
        kvm_run.msr.reason(msr, KVM_MSR_EXIT_REASON_FILTER());
        assertEquals(new VcpuExit.MsrWrite(0x40000070, -2L, 4), ExitDecoder.decode(run));
        kvm_run.exit_reason(run, KVM_EXIT_X86_RDMSR());
        assertEquals(new VcpuExit.MsrRead(0x40000070, 4), ExitDecoder.decode(run));
    }

    @Test
    void systemEvent() {
        kvm_run.exit_reason(run, KVM_EXIT_SYSTEM_EVENT());
        kvm_run.system_event.type(kvm_run.system_event(run), KVM_SYSTEM_EVENT_RESET());
        kvm_run.system_event.flags(kvm_run.system_event(run), 5);
        assertEquals(new VcpuExit.SystemEvent(VcpuExit.SystemEvent.RESET, 5), ExitDecoder.decode(run));
    }

    @Test
    void hypervExitExposesTheKvmRunSlice() {
        kvm_run.exit_reason(run, KVM_EXIT_HYPERV());
        kvm_hyperv_exit.type(kvm_run.hyperv(run), KVM_EXIT_HYPERV_HCALL());
        VcpuExit.Hyperv h = assertInstanceOf(VcpuExit.Hyperv.class, ExitDecoder.decode(run));
        assertEquals(KVM_EXIT_HYPERV_HCALL(), h.type());
        assertEquals(kvm_run.hyperv(run).address(), h.hyperv().address());
        assertEquals(kvm_hyperv_exit.sizeof(), h.hyperv().byteSize());
    }

    @Test
    void internalErrorDataIsClampedToTheStruct() {
        kvm_run.exit_reason(run, KVM_EXIT_INTERNAL_ERROR());
        MemorySegment in = kvm_run.internal(run);
        kvm_run.internal.suberror(in, 1);
        kvm_run.internal.ndata(in, 0x7fff_ffff);
        VcpuExit.InternalError e = assertInstanceOf(VcpuExit.InternalError.class, ExitDecoder.decode(run));
        assertEquals(1, e.suberror());
        assertEquals(16, e.data().length);
        kvm_run.internal.ndata(in, 2);
        kvm_run.internal.data(in).setAtIndex(ValueLayout.JAVA_LONG, 1, 99);
        assertArrayEquals(new long[] {0, 99}, ((VcpuExit.InternalError) ExitDecoder.decode(run)).data());
    }

    @Test
    void failEntry() {
        kvm_run.exit_reason(run, KVM_EXIT_FAIL_ENTRY());
        kvm_run.fail_entry.hardware_entry_failure_reason(kvm_run.fail_entry(run), 0x21);
        kvm_run.fail_entry.cpu(kvm_run.fail_entry(run), 3);
        assertEquals(new VcpuExit.FailEntry(0x21, 3), ExitDecoder.decode(run));
    }

    @Test
    void unknownReasonsAreNotErrors() {
        kvm_run.exit_reason(run, 0x7777);
        assertEquals(new VcpuExit.Unknown(0x7777), ExitDecoder.decode(run));
        kvm_run.exit_reason(run, KVM_EXIT_DEBUG());
        assertEquals(new VcpuExit.Unknown(KVM_EXIT_DEBUG()), ExitDecoder.decode(run));
    }
}
