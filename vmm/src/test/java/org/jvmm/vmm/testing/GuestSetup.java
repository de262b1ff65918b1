// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.testing;

import org.jvmm.vmm.kvm.DescriptorTable;
import org.jvmm.vmm.kvm.Regs;
import org.jvmm.vmm.kvm.Segment;
import org.jvmm.vmm.kvm.Sregs;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * Puts a vCPU into the state a test guest expects at its first instruction: real mode, or 64-bit
 * long mode with paging. Long mode needs guest memory up to {@link #LONG_MODE_STACK} (use at least
 * 1 MiB of RAM); its tables live below the guests' load address or far above their code:
 *
 * <pre>
 * 0x0500  GDT: null, 64-bit code (selector 0x08), data (selector 0x10)
 * 0x1000  guest code (GuestBinaries.LOAD_ADDRESS)
 * 0x20000 PML4, 0x21000 PDPT, 0x22000 PD: the first 1 GiB identity-mapped with 2 MiB pages
 * 0x80000 initial RSP (the stack grows down from here)
 * </pre>
 */
public final class GuestSetup {
    private GuestSetup() {}

    public static final long GDT = 0x500;
    public static final long PML4 = 0x20000;
    public static final long PDPT = 0x21000;
    public static final long PD = 0x22000;
    public static final long LONG_MODE_STACK = 0x80000;
    public static final long REAL_MODE_STACK = 0x8000;
    public static final int CODE64_SELECTOR = 0x08;
    public static final int DATA_SELECTOR = 0x10;

    /** Real mode, CS = DS = ... = 0, IP = {@code entry} (below 64 KiB), SP = 0x8000. */
    public static void realMode(Vcpu vcpu, long entry) {
        Sregs s = vcpu.getSregs();
        vcpu.setSregs(s.withSegments(Segment.realMode(0, 0xb), Segment.realMode(0, 0x3)));
        vcpu.setRegs(Regs.initial().withRip(entry).withRsp(REAL_MODE_STACK));
    }

    /** Writes the GDT and page tables into {@code memory} (once per machine is enough). */
    public static void writeLongModeTables(GuestMemory memory) {
        memory.writeLong(GDT, 0);
        memory.writeLong(GDT + 8, 0x00af9b000000ffffL);  // code: present, DPL 0, L=1, G=1
        memory.writeLong(GDT + 16, 0x00cf93000000ffffL); // data: present, writable, D/B=1, G=1
        memory.fill(PML4, 0x3000, (byte) 0);
        memory.writeLong(PML4, PDPT | 0x3);              // present, writable
        memory.writeLong(PDPT, PD | 0x3);
        for (long i = 0; i < 512; i++) {
            memory.writeLong(PD + i * 8, (i << 21) | 0x83); // present, writable, 2 MiB page
        }
    }

    /** 64-bit long mode at {@code entry}; {@link #writeLongModeTables} must have run. */
    public static void longMode(Vcpu vcpu, long entry) {
        Sregs s = vcpu.getSregs()
                .withSegments(Segment.flatCode64(CODE64_SELECTOR), Segment.flatData(DATA_SELECTOR))
                .withTables(Segment.tss64(0x18, 0, 0x67), new DescriptorTable(GDT, 3 * 8 - 1),
                        new DescriptorTable(0, 0))
                .withControl(Sregs.CR0_PE | Sregs.CR0_ET | Sregs.CR0_NE | Sregs.CR0_PG, PML4,
                        Sregs.CR4_PAE | Sregs.CR4_OSFXSR | Sregs.CR4_OSXMMEXCPT,
                        Sregs.EFER_LME | Sregs.EFER_LMA);
        vcpu.setSregs(s);
        vcpu.setRegs(Regs.initial().withRip(entry).withRsp(LONG_MODE_STACK));
    }
}
