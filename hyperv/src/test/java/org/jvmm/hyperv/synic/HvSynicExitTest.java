// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jvmm.bindings.kvm.kvm_hyperv_exit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.cpu.VcpuException;
import org.jvmm.vmm.memory.GuestMemory;

/** SYNIC, SYNDBG and malformed exits on fabricated segments, including hostile page addresses. */
class HvSynicExitTest {
    static final int SCONTROL = 0x40000080;
    static final int SIEFP = 0x40000082;
    static final int SIMP = 0x40000083;
    static final long RAM = 1 << 20;

    GuestMemory memory;
    Synic[] synics;
    HvExitHandler handler;

    @BeforeEach
    void setUp() {
        memory = HvExits.ram(RAM);
        memory.fill(0, RAM, (byte) 0xAA); // RAM the guest owns: SynIC pages must not show it
        synics = new Synic[] {new Synic(0, memory), new Synic(1, memory)};
        handler = new HvExitHandler(i -> i >= 0 && i < synics.length ? synics[i] : null,
                new HvHypercalls(memory, new HvConnections()), false);
    }

    void exit(int vcpu, int msr, long control, long evt, long msg) {
        handler.handle(vcpu, HvExits.synic(msr, control, evt, msg));
    }

    @Test
    void enablingThePagesShowsZeroedPagesAndDisablingRestoresTheRam() {
        exit(1, SCONTROL, 1, 0, 0);
        assertTrue(synics[1].enabled());
        assertFalse(synics[0].enabled(), "per vCPU");
        exit(1, SIMP, 1, 0, 0x10001);
        exit(1, SIEFP, 1, 0x11001, 0x10001);
        assertEquals(0x10000, synics[1].messagePageGpa());
        assertEquals(0x11000, synics[1].eventPageGpa());
        for (long off = 0; off < 4096; off += 8) {
            assertEquals(0, memory.readLong(0x10000 + off));
            assertEquals(0, memory.readLong(0x11000 + off));
        }
        assertEquals((byte) 0xAA, memory.readByte(0x12000), "the next page is untouched");
        // Disabling SIMP (enable bit clear) unmaps it: the guest's RAM comes back.
        exit(1, SIMP, 1, 0x11001, 0x10000);
        assertEquals(0, synics[1].messagePageGpa());
        assertEquals(0xAAAAAAAAAAAAAAAAL, memory.readLong(0x10000));
    }

    @Test
    void onlyTheFieldOfTheNamedMsrIsTaken() {
        // A SCONTROL exit carries stale page values; QEMU stores only control.
        exit(0, SCONTROL, 1, 0x11001, 0x10001);
        assertEquals(0, synics[0].messagePageGpa());
        assertEquals(0, synics[0].eventPageGpa());
    }

    @Test
    void theMessagePageKeepsItsContentsWhenMoved() {
        exit(0, SCONTROL, 1, 0, 0);
        exit(0, SIMP, 1, 0, 0x10001);
        memory.writeInt(0x10000 + 2 * 256, 0x1234);
        exit(0, SIMP, 1, 0, 0x20001);
        assertEquals(0x1234, memory.readInt(0x20000 + 2 * 256));
        assertEquals(0xAAAAAAAA, memory.readInt(0x10000 + 2 * 256));
    }

    @Test
    void hostilePageAddressesLeaveThePageUnmapped() {
        exit(0, SCONTROL, 1, 0, 0);
        for (long gpa : new long[] {RAM, RAM - 0x800 & ~0xFFFL | 1, 0xFFFF_FFFF_FFFF_F001L, 0x7FFF_FFFF_FFFF_F001L, RAM + 0x1001}) {
            exit(0, SIMP, 1, 0, gpa | 1);
            exit(0, SIEFP, 1, gpa | 1, 0);
        }
        // RAM - 0x800 rounds down to the last whole page, which is fine; everything else is unmapped.
        exit(0, SIMP, 1, 0, RAM | 1);
        assertEquals(0, synics[0].messagePageGpa());
        assertEquals(Synic.PostResult.NO_PAGE, synics[0].postMessage(0, new byte[256], () -> {}));
        exit(0, SIEFP, 1, (RAM - 4096) | 1, 0);
        assertEquals(RAM - 4096, synics[0].eventPageGpa());
    }

    @Test
    void synicExitWithoutSynicStopsTheVcpu() {
        HvExitHandler noSynic = new HvExitHandler(null, new HvHypercalls(memory, new HvConnections()), false);
        VcpuException e = assertThrows(VcpuException.class, () -> noSynic.handle(3, HvExits.synic(SCONTROL, 1, 0, 0)));
        assertEquals("vcpu 3: Hyper-V SynIC exit, but hv-synic is off", e.getMessage());
        VcpuException e2 = assertThrows(VcpuException.class, () -> handler.handle(7, HvExits.synic(SCONTROL, 1, 0, 0)));
        assertEquals("vcpu 7: Hyper-V SynIC exit from a vCPU without a SynIC", e2.getMessage());
        VcpuException e3 = assertThrows(VcpuException.class, () -> exit(0, 0x40000084, 1, 0, 0));
        assertEquals("vcpu 0: Hyper-V SynIC exit for unexpected MSR 0x40000084", e3.getMessage());
    }

    @Test
    void syndbgOffStopsTheVcpuAndOnAnswersLikeQemuWithoutABackend() {
        VcpuException e = assertThrows(VcpuException.class, () -> handler.handle(0, HvExits.syndbg(0x400000F1, 1)));
        assertEquals("vcpu 0: Hyper-V synthetic debugger exit, but hv-syndbg is off", e.getMessage());
        HvExitHandler on = new HvExitHandler(null, new HvHypercalls(memory, new HvConnections()), true);
        for (long control : new long[] {0, 1 | (100L << 16), 2}) { // none, SEND 100 bytes, RECV
            MemorySegment hv = HvExits.syndbg(0x400000F1, control);
            on.handle(0, hv);
            assertEquals(0, HvExits.syndbgStatus(hv), "control 0x" + Long.toHexString(control));
        }
        MemorySegment pending = HvExits.syndbg(0x400000F5, 0);
        on.handle(0, pending);
        assertEquals(0x1234, HvExits.syndbgStatus(pending), "pending-buffer exits have no status");
        assertThrows(VcpuException.class, () -> on.handle(0, HvExits.syndbg(0x400000F2, 0)));
    }

    @Test
    void unknownExitTypeStopsTheVcpu() {
        MemorySegment hv = Arena.ofAuto().allocate(kvm_hyperv_exit.layout());
        kvm_hyperv_exit.type(hv, 4);
        VcpuException e = assertThrows(VcpuException.class, () -> handler.handle(0, hv));
        assertEquals("vcpu 0: unknown KVM_EXIT_HYPERV type 4", e.getMessage());
    }

    @Test
    void notAHypervExitIsNotClaimed() {
        assertFalse(handler.handle(null, new org.jvmm.vmm.exit.VcpuExit.Unknown(99)));
    }
}
