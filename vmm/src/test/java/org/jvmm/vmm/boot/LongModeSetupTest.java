// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.boot.TestMemory.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmm.vmm.memory.GuestMemory;
import org.junit.jupiter.api.Test;

class LongModeSetupTest {
    private final GuestMemory mem = TestMemory.low(2 * MIB);

    @Test
    void registersFollowThe64BitBootProtocol() {
        BootCpuState s = LongModeSetup.configure(mem, 0x1000200, 0x7000);
        assertEquals(0x1000200, s.rip());
        assertEquals(0x7000, s.rsi());
        assertEquals(0x8ff0, s.rsp());
        assertEquals(0x2, s.rflags()); // IF clear
        assertEquals(0x80000011L, s.cr0()); // PG | ET | PE, caches on
        assertEquals(0x9000, s.cr3());
        assertEquals(0x20, s.cr4()); // PAE
        assertEquals(0x500, s.efer()); // LME | LMA
        assertEquals(new BootCpuState.DescriptorTable(0x500, 47), s.gdt());
        assertEquals(new BootCpuState.DescriptorTable(0x540, 0), s.idt());
    }

    @Test
    void segmentsAreFlatBootCsAndBootDs() {
        BootCpuState s = LongModeSetup.configure(mem, 0x1000200, 0x7000);
        assertEquals(new SegmentState(0, 0xffffffff, 0x10, 0xb, true, 0, false, true, true, true, false, false), s.cs());
        SegmentState data = new SegmentState(0, 0xffffffff, 0x18, 0x3, true, 0, true, true, false, true, false, false);
        assertEquals(data, s.ds());
        assertEquals(data, s.es());
        assertEquals(data, s.ss());
        assertEquals(0x20, s.tr().selector());
        assertEquals(0xb, s.tr().type());
        assertTrue(s.tr().present());
        assertTrue(s.ldt().unusable());
        assertFalse(s.ldt().present());
    }

    @Test
    void gdtHoldsTheDescriptorsTheSegmentsCameFrom() {
        LongModeSetup.configure(mem, 0x1000200, 0x7000);
        assertEquals(0L, mem.readLong(0x500));
        assertEquals(0L, mem.readLong(0x508));
        assertEquals(0x00af9b000000ffffL, mem.readLong(0x510)); // 64-bit code, G, present
        assertEquals(0x00cf93000000ffffL, mem.readLong(0x518)); // data, 32-bit, G, present
        assertEquals(0x00008b0000000067L, mem.readLong(0x520)); // busy 64-bit TSS, low half
        assertEquals(0L, mem.readLong(0x528));
    }

    @Test
    void pageTablesIdentityMapFourGiBWith2MiBPages() {
        LongModeSetup.configure(mem, 0x1000200, 0x7000);
        assertEquals(0xa003L, mem.readLong(0x9000));
        assertEquals(0L, mem.readLong(0x9008));
        for (int d = 0; d < 4; d++) {
            assertEquals(0xb003L + d * 0x1000L, mem.readLong(0xa000 + d * 8));
        }
        assertEquals(0L, mem.readLong(0xa020));
        assertEquals(0x83L, mem.readLong(0xb000));
        assertEquals(0x200083L, mem.readLong(0xb008));
        assertEquals(0x4000_0083L, mem.readLong(0xc000));
        assertEquals(0xffe0_0083L, mem.readLong(0xeff8));
        // every 2 MiB page below 4 GiB maps its own address: walk each one through the tables
        for (long va = 0x1234; va < 0x1_0000_0000L; va += 0x20_0000) {
            long pdpte = mem.readLong((mem.readLong(0x9000) & ~0xfffL) + (va >>> 30) * 8);
            long pde = mem.readLong((pdpte & ~0xfffL) + ((va >>> 21) & 511) * 8);
            assertEquals(0x83, pde & 0xfff, "flags of the PDE for 0x%x".formatted(va));
            assertEquals(va, (pde & ~0x1fffffL & 0xf_ffff_ffffL) | (va & 0x1fffff));
        }
    }

    @Test
    void refusesEntryAbove4GiB() {
        var e = assertThrows(BootConfigException.class, () -> LongModeSetup.configure(mem, 0x1_0000_0000L, 0x7000));
        assertEquals("kernel entry 0x100000000 is outside the identity-mapped 4 GiB", e.getMessage());
    }
}
