// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import org.jvmm.vmm.memory.GuestMemory;

/**
 * Prepares what the 64-bit boot protocol (boot.rst, "64-bit BOOT PROTOCOL") asks of the loader:
 * long mode with paging, the kernel image, zero page and command line identity-mapped, a GDT
 * with flat __BOOT_CS (0x10) and __BOOT_DS (0x18), CS = __BOOT_CS, DS/ES/SS = __BOOT_DS,
 * interrupts off and RSI = the zero page. It writes the GDT, an empty IDT and the page tables into
 * guest memory and returns the registers; it makes no KVM call.
 */
public final class LongModeSetup {
    public static final int BOOT_CS = 0x10;
    public static final int BOOT_DS = 0x18;
    public static final int BOOT_TSS = 0x20;

    static final long CR0_PE = 1L;
    static final long CR0_ET = 1L << 4;
    static final long CR0_PG = 1L << 31;
    static final long CR4_PAE = 1L << 5;
    static final long EFER_LME = 1L << 8;
    static final long EFER_LMA = 1L << 10;
    /** Bit 1 of RFLAGS is reserved and reads as one; IF stays clear as the protocol demands. */
    static final long RFLAGS_RESERVED = 0x2;

    static final long PTE_PRESENT = 1L;
    static final long PTE_WRITABLE = 1L << 1;
    static final long PTE_LARGE = 1L << 7;
    static final long HUGE_PAGE = 2L << 20;
    static final int ENTRIES = 512;

    /** null, null, code, data, then the 16-byte TSS descriptor KVM needs TR to point at. */
    static final int GDT_BYTES = 6 * 8;
    static final int TSS_LIMIT = 0x67;

    private static final int TYPE_CODE_EXEC_READ_ACCESSED = 0xb;
    private static final int TYPE_DATA_READ_WRITE_ACCESSED = 0x3;
    private static final int TYPE_TSS_BUSY = 0xb;
    private static final int TYPE_LDT = 0x2;

    private LongModeSetup() {}

    public static final SegmentState CODE = new SegmentState(
            0, 0xffff_ffff, BOOT_CS, TYPE_CODE_EXEC_READ_ACCESSED, true, 0, false, true, true, true, false, false);
    public static final SegmentState DATA = new SegmentState(
            0, 0xffff_ffff, BOOT_DS, TYPE_DATA_READ_WRITE_ACCESSED, true, 0, true, true, false, true, false, false);
    public static final SegmentState TSS = new SegmentState(
            0, TSS_LIMIT, BOOT_TSS, TYPE_TSS_BUSY, true, 0, false, false, false, false, false, false);
    public static final SegmentState LDT = new SegmentState(
            0, 0, 0, TYPE_LDT, false, 0, false, false, false, false, false, true);

    /**
     * Writes GDT, IDT and page tables and returns the register state for entry at {@code entry}
     * with the zero page at {@code zeroPage}.
     */
    public static BootCpuState configure(GuestMemory mem, long entry, long zeroPage) {
        if (entry < 0 || entry >= GuestLayout.FOUR_GIB) {
            throw new BootConfigException("kernel entry 0x%x is outside the identity-mapped 4 GiB".formatted(entry));
        }
        writeGdt(mem);
        mem.fill(GuestLayout.BOOT_IDT, 8, (byte) 0);
        writePageTables(mem);
        return new BootCpuState(
                entry, zeroPage, GuestLayout.BOOT_STACK, RFLAGS_RESERVED,
                CR0_PE | CR0_ET | CR0_PG, GuestLayout.PML4, CR4_PAE, EFER_LME | EFER_LMA,
                CODE, DATA, DATA, DATA, DATA, DATA, TSS, LDT,
                new BootCpuState.DescriptorTable(GuestLayout.BOOT_GDT, GDT_BYTES - 1),
                new BootCpuState.DescriptorTable(GuestLayout.BOOT_IDT, 0));
    }

    static void writeGdt(GuestMemory mem) {
        long gdt = GuestLayout.BOOT_GDT;
        mem.fill(gdt, GDT_BYTES, (byte) 0);
        mem.writeLong(gdt + BOOT_CS, CODE.descriptor());
        mem.writeLong(gdt + BOOT_DS, DATA.descriptor());
        mem.writeLong(gdt + BOOT_TSS, TSS.descriptor()); // upper half (base 63:32) stays zero
    }

    /** PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages: 0..4 GiB identity. */
    static void writePageTables(GuestMemory mem) {
        mem.fill(GuestLayout.PML4, 0x1000, (byte) 0);
        mem.fill(GuestLayout.PDPT, 0x1000, (byte) 0);
        mem.writeLong(GuestLayout.PML4, GuestLayout.PDPT | PTE_PRESENT | PTE_WRITABLE);
        for (int d = 0; d < GuestLayout.PD_COUNT; d++) {
            long pd = GuestLayout.PD_BASE + d * 0x1000L;
            mem.writeLong(GuestLayout.PDPT + d * 8L, pd | PTE_PRESENT | PTE_WRITABLE);
            for (int i = 0; i < ENTRIES; i++) {
                long frame = ((long) d * ENTRIES + i) * HUGE_PAGE;
                mem.writeLong(pd + i * 8L, frame | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE);
            }
        }
    }
}
