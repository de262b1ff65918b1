// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm.fam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jvmm.bindings.kvm.kvm_cpuid2;
import org.jvmm.bindings.kvm.kvm_cpuid_entry2;
import org.jvmm.bindings.kvm.kvm_irq_routing;
import org.jvmm.bindings.kvm.kvm_irq_routing_entry;
import org.jvmm.bindings.kvm.kvm_msr_entry;
import org.jvmm.bindings.kvm.kvm_msrs;
import org.jvmm.bindings.kvm.kvm_signal_mask;
import org.jvmm.bindings.libc.SigSet;
import org.junit.jupiter.api.Test;

/** Pure tests of the flexible-array wrappers: sizes, entry placement and bounds. */
class FamBufferTest {

    @Test
    void cpuidBufferPlacesEntriesAfterTheHeader() {
        try (Arena arena = Arena.ofConfined()) {
            CpuidBuffer b = CpuidBuffer.allocate(arena, 3);
            assertEquals(kvm_cpuid2.sizeof() + 3 * kvm_cpuid_entry2.sizeof(), b.segment().byteSize());
            assertEquals(3, b.count(), "allocate sets nent to the capacity, as GET ioctls expect");
            kvm_cpuid_entry2.function(b.entry(2), 0x40000000);
            assertEquals(0x40000000, b.segment().get(ValueLayout.JAVA_INT, 8 + 2 * 40));
            b.count(1);
            assertEquals(1, kvm_cpuid2.nent(b.segment()));
            assertThrows(IndexOutOfBoundsException.class, () -> b.entry(3));
            assertThrows(IllegalArgumentException.class, () -> b.count(4));
            assertThrows(IllegalArgumentException.class, () -> CpuidBuffer.allocate(arena, CpuidBuffer.MAX_ENTRIES + 1));
        }
    }

    @Test
    void msrBufferAndIndexListUseTheirOwnEntrySizes() {
        try (Arena arena = Arena.ofConfined()) {
            MsrBuffer msrs = MsrBuffer.allocate(arena, 2);
            assertEquals(kvm_msrs.sizeof() + 2 * kvm_msr_entry.sizeof(), msrs.segment().byteSize());
            kvm_msr_entry.data(msrs.entry(1), 0x1234L);
            assertEquals(0x1234L, msrs.segment().get(ValueLayout.JAVA_LONG, 8 + 16 + 8));

            MsrIndexList list = MsrIndexList.allocate(arena, 4);
            assertEquals(4 + 4 * 4, list.segment().byteSize());
            list.index(3, 0x40000000);
            assertEquals(0x40000000, list.index(3));
            assertEquals(0x40000000, list.segment().get(ValueLayout.JAVA_INT, 4 + 3 * 4));
            assertThrows(IndexOutOfBoundsException.class, () -> list.index(4));
        }
    }

    @Test
    void irqRoutingBufferHoldsRoutingEntries() {
        try (Arena arena = Arena.ofConfined()) {
            IrqRoutingBuffer routes = IrqRoutingBuffer.allocate(arena, 24);
            MemorySegment e = routes.entry(23);
            kvm_irq_routing_entry.gsi(e, 23);
            assertEquals(23, routes.segment().get(ValueLayout.JAVA_INT, kvm_irq_routing.sizeof() + 23 * kvm_irq_routing_entry.sizeof()));
            assertEquals(24, routes.count());
        }
    }

    @Test
    void signalMaskCarriesTheKernelHalfOfASigset() {
        try (Arena arena = Arena.ofConfined()) {
            KvmSignalMask mask = KvmSignalMask.allocate(arena);
            assertEquals(8, kvm_signal_mask.len(mask.segment()));
            assertEquals(4 + 8, mask.segment().byteSize());
            MemorySegment set = SigSet.allocate(arena);
            SigSet.add(set, 35);
            mask.copyFrom(set);
            assertEquals(1L << 34, mask.sigset().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        }
    }
}
