// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jvmm.bindings.kvm.fam.CpuidBuffer;
import org.jvmm.bindings.kvm.fam.KvmSignalMask;
import org.jvmm.bindings.kvm.fam.MsrBuffer;
import org.jvmm.bindings.kvm.fam.MsrIndexList;
import org.jvmm.bindings.libc.ErrnoException;
import org.jvmm.bindings.libc.LibC;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * The bindings against the real {@code /dev/kvm}: ioctl numbers, struct layouts and FAM buffers
 * are only right if the kernel accepts them. Tagged kvm: scripts/test runs it on this host's KVM, or
 * inside the Hyper-V lab where the host has none.
 */
@Tag("kvm")
class KvmDeviceSmokeTest {

    private static int openKvm() {
        return LibC.open("/dev/kvm", LibC.O_RDWR | LibC.O_CLOEXEC);
    }

    @Test
    void systemIoctlsFillTheFamBuffers() {
        int kvm = openKvm();
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(kvm_h.KVM_API_VERSION(), LibC.ioctl(kvm, kvm_h.KVM_GET_API_VERSION()));
            assertTrue(LibC.ioctl(kvm, kvm_h.KVM_CHECK_EXTENSION(), kvm_h.KVM_CAP_USER_MEMORY()) > 0);

            CpuidBuffer cpuid = CpuidBuffer.allocate(arena, CpuidBuffer.MAX_ENTRIES);
            LibC.ioctl(kvm, kvm_h.KVM_GET_SUPPORTED_CPUID(), cpuid.segment());
            assertTrue(cpuid.count() > 0 && cpuid.count() <= cpuid.capacity(), "nent " + cpuid.count());
            MemorySegment leaf0 = cpuid.entry(0);
            assertEquals(0, kvm_cpuid_entry2.function(leaf0), "KVM lists leaf 0 first");
            assertTrue(kvm_cpuid_entry2.eax(leaf0) > 0, "leaf 0 reports the highest basic leaf");

            MsrIndexList msrs = MsrIndexList.allocate(arena, MsrIndexList.MAX_ENTRIES);
            LibC.ioctl(kvm, kvm_h.KVM_GET_MSR_INDEX_LIST(), msrs.segment());
            assertTrue(msrs.count() > 0, "nmsrs " + msrs.count());

            MsrIndexList tooSmall = MsrIndexList.allocate(arena, 1);
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> LibC.ioctl(kvm, kvm_h.KVM_GET_MSR_INDEX_LIST(), tooSmall.segment()));
            assertEquals("E2BIG", e.symbol());
            assertEquals(msrs.count(), tooSmall.count(), "KVM reports the needed count on E2BIG");
        } finally {
            LibC.close(kvm);
        }
    }

    @Test
    void aVcpuHasItsResetStateAndAKvmRunMapping() {
        int kvm = openKvm();
        int vm = LibC.ioctl(kvm, kvm_h.KVM_CREATE_VM(), 0L);
        int vcpu = LibC.ioctl(vm, kvm_h.KVM_CREATE_VCPU(), 0L);
        try (Arena arena = Arena.ofConfined()) {
            long runSize = LibC.ioctl(kvm, kvm_h.KVM_GET_VCPU_MMAP_SIZE());
            assertTrue(runSize >= kvm_run.sizeof(), "mmap size " + runSize);
            MemorySegment run = LibC.mmap(runSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, vcpu, 0);
            try {
                assertEquals(0, kvm_run.exit_reason(run));
            } finally {
                LibC.munmap(run);
            }

            MemorySegment regs = kvm_regs.allocate(arena);
            LibC.ioctl(vcpu, kvm_h.KVM_GET_REGS(), regs);
            assertEquals(0xfff0L, kvm_regs.rip(regs), "x86 reset vector offset");
            assertEquals(0x2L, kvm_regs.rflags(regs), "reserved bit 1 only");

            MemorySegment sregs = kvm_sregs.allocate(arena);
            LibC.ioctl(vcpu, kvm_h.KVM_GET_SREGS(), sregs);
            MemorySegment cs = kvm_sregs.cs(sregs);
            assertEquals((short) 0xf000, kvm_segment.selector(cs));
            assertEquals(0xffff0000L, kvm_segment.base(cs));

            MsrBuffer msrs = MsrBuffer.allocate(arena, 1);
            kvm_msr_entry.index(msrs.entry(0), 0x10);   // IA32_TIME_STAMP_COUNTER
            assertEquals(1, LibC.ioctl(vcpu, kvm_h.KVM_GET_MSRS(), msrs.segment()), "KVM read one MSR");

            MemorySegment mp = kvm_mp_state.allocate(arena);
            LibC.ioctl(vcpu, kvm_h.KVM_GET_MP_STATE(), mp);
            assertEquals(kvm_h.KVM_MP_STATE_RUNNABLE(), kvm_mp_state.mp_state(mp), "the boot vCPU is runnable");
        } finally {
            LibC.close(vcpu);
            LibC.close(vm);
            LibC.close(kvm);
        }
    }

    /**
     * A four-instruction real-mode guest ({@code mov dx,0x3f8; mov al,'A'; out dx,al; hlt}) run
     * through the bindings alone: memory region, sregs/regs, signal mask, KVM_RUN and the
     * {@code kvm_run.io} decoding of its exit.
     */
    @Test
    void aRealModeGuestExitsWithItsPortWriteThenHalts() {
        int kvm = openKvm();
        int vm = LibC.ioctl(kvm, kvm_h.KVM_CREATE_VM(), 0L);
        long memSize = 0x10000;
        MemorySegment ram = LibC.mmap(memSize, LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
        int vcpu = -1;
        MemorySegment run = null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment.copy(new byte[] {(byte) 0xba, (byte) 0xf8, 0x03, (byte) 0xb0, 0x41, (byte) 0xee, (byte) 0xf4},
                    0, ram, java.lang.foreign.ValueLayout.JAVA_BYTE, 0x1000, 7);
            MemorySegment region = kvm_userspace_memory_region.allocate(arena);
            kvm_userspace_memory_region.slot(region, 0);
            kvm_userspace_memory_region.guest_phys_addr(region, 0);
            kvm_userspace_memory_region.memory_size(region, memSize);
            kvm_userspace_memory_region.userspace_addr(region, ram.address());
            LibC.ioctl(vm, kvm_h.KVM_SET_USER_MEMORY_REGION(), region);

            vcpu = LibC.ioctl(vm, kvm_h.KVM_CREATE_VCPU(), 0L);
            long runSize = LibC.ioctl(kvm, kvm_h.KVM_GET_VCPU_MMAP_SIZE());
            run = LibC.mmap(runSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, vcpu, 0);

            MemorySegment sregs = kvm_sregs.allocate(arena);
            LibC.ioctl(vcpu, kvm_h.KVM_GET_SREGS(), sregs);
            kvm_segment.base(kvm_sregs.cs(sregs), 0);
            kvm_segment.selector(kvm_sregs.cs(sregs), (short) 0);
            LibC.ioctl(vcpu, kvm_h.KVM_SET_SREGS(), sregs);
            MemorySegment regs = kvm_regs.allocate(arena);
            kvm_regs.rip(regs, 0x1000);
            kvm_regs.rflags(regs, 0x2);
            LibC.ioctl(vcpu, kvm_h.KVM_SET_REGS(), regs);
            LibC.ioctl(vcpu, kvm_h.KVM_SET_SIGNAL_MASK(), KvmSignalMask.allocate(arena).segment());

            assertEquals(0, LibC.ioctlOrErrno(vcpu, kvm_h.KVM_RUN()));
            assertEquals(kvm_h.KVM_EXIT_IO(), kvm_run.exit_reason(run));
            MemorySegment io = kvm_run.io(run);
            assertEquals(kvm_h.KVM_EXIT_IO_OUT(), kvm_run.io.direction(io));
            assertEquals((short) 0x3f8, kvm_run.io.port(io));
            assertEquals(1, kvm_run.io.size(io));
            assertEquals(1, kvm_run.io.count(io));
            assertEquals(0x41, run.get(java.lang.foreign.ValueLayout.JAVA_BYTE, kvm_run.io.data_offset(io)));

            assertEquals(0, LibC.ioctlOrErrno(vcpu, kvm_h.KVM_RUN()));
            assertEquals(kvm_h.KVM_EXIT_HLT(), kvm_run.exit_reason(run));
            LibC.ioctl(vcpu, kvm_h.KVM_GET_REGS(), regs);
            assertEquals(0x1007, kvm_regs.rip(regs), "rip is past the hlt");
        } finally {
            if (run != null) {
                LibC.munmap(run);
            }
            if (vcpu >= 0) {
                LibC.close(vcpu);
            }
            LibC.close(vm);
            LibC.munmap(ram);
            LibC.close(kvm);
        }
    }
}
