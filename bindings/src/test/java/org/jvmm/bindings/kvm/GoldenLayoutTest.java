// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Values fixed by the x86_64 KVM ABI, the same ones bindgen asserts in rust-vmm's kvm-bindings.
 * A wrong layout in the most used structs shows up here even without gcc.
 */
class GoldenLayoutTest {

    @Test
    void kvmRunHasTheAbiSizeAndExitReasonOffset() {
        assertEquals(2352, kvm_run.sizeof());
        assertEquals(8, kvm_run.exit_reason$offset());
        assertEquals(32, kvm_run.io$offset());
        assertEquals(32, kvm_run.hyperv$offset());
        assertEquals(288, kvm_run.kvm_valid_regs$offset());
        assertEquals(304, kvm_run.s$offset());
    }

    @Test
    void registerStructsHaveTheAbiSizes() {
        assertEquals(144, kvm_regs.sizeof());
        assertEquals(312, kvm_sregs.sizeof());
        assertEquals(24, kvm_segment.sizeof());
        assertEquals(16, kvm_dtable.sizeof());
        assertEquals(416, kvm_fpu.sizeof());
        assertEquals(4096, kvm_xsave.sizeof());
        assertEquals(1024, kvm_lapic_state.sizeof());
        assertEquals(40, kvm_cpuid_entry2.sizeof());
        assertEquals(8, kvm_cpuid2.sizeof());
        assertEquals(32, kvm_userspace_memory_region.sizeof());
        assertEquals(104, kvm_enable_cap.sizeof());
        assertEquals(64, kvm_vcpu_events.sizeof());
    }

    @Test
    void hypervExitNestedUnionHasTheAbiOffsets() {
        assertEquals(8, kvm_hyperv_exit.u$offset());
        assertEquals(16, kvm_hyperv_exit.u.hcall.params$offset());
        assertEquals(56, kvm_hyperv_exit.sizeof());
    }

    @Test
    void ioctlNumbersMatchTheAbi() {
        assertEquals(0xAE80, kvm_h.KVM_RUN());
        assertEquals(0x8138AE83L, kvm_h.KVM_GET_SREGS());
        assertEquals(0x4138AE84L, kvm_h.KVM_SET_SREGS());
        assertEquals(0x8090AE81L, kvm_h.KVM_GET_REGS());
        assertEquals(0x4020AE46, kvm_h.KVM_SET_USER_MEMORY_REGION());
        assertEquals(0xAE01, kvm_h.KVM_CREATE_VM());
        assertEquals(12, kvm_h.KVM_API_VERSION());
    }

    @Test
    void accessorsReadAndWriteAtTheAbiOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment run = kvm_run.allocate(arena);
            kvm_run.exit_reason(run, kvm_h.KVM_EXIT_IO());
            MemorySegment io = kvm_run.io(run);
            kvm_run.io.port(io, (short) 0x3f8);
            kvm_run.io.data_offset(io, 0x1000);
            assertEquals(kvm_h.KVM_EXIT_IO(), run.get(kvm_h.C_INT, 8));
            assertEquals((short) 0x3f8, run.get(kvm_h.C_SHORT, 32 + 2));
            assertEquals(0x1000L, run.get(kvm_h.C_LONG_LONG, 32 + 8));

            MemorySegment hv = kvm_run.hyperv(run);
            kvm_hyperv_exit.u.hcall.params(kvm_hyperv_exit.u.hcall(kvm_hyperv_exit.u(hv)), 1, 0xabcdL);
            assertEquals(0xabcdL, run.get(kvm_h.C_LONG_LONG, 32 + 8 + 16 + 8));
        }
    }
}
