// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.util.ArrayList;
import java.util.List;

/**
 * The guest-physical memory map of a jvmm x86-64 guest, in one place. Everything below 1 MiB is
 * laid out the way a PC BIOS would leave it, so a kernel booted directly finds its data where it
 * looks for it. The addresses follow Firecracker's {@code arch/x86_64/layout.rs} where that works
 * for us, and the Linux x86 boot protocol ({@code Documentation/arch/x86/boot.rst}) elsewhere.
 *
 * <pre>
 *   0x0000_0500  boot GDT (48 bytes), then the empty boot IDT at 0x540
 *   0x0000_7000  zero page (struct boot_params, 4 KiB)
 *   0x0000_8ff0  initial stack pointer (grows down, below the page tables)
 *   0x0000_9000  PML4, 0xa000 PDPT, 0xb000..0xefff four page directories (4 GiB of 2 MiB pages)
 *   0x0002_0000  kernel command line
 *   0x0009_fc00  EBDA: MP floating pointer + MP config table (reserved in the e820 map)
 *   0x0010_0000  high RAM: protected-mode kernel, initrd, the rest of the guest's memory
 *   0xc000_0000  32-bit hole for MMIO devices, IOAPIC and LAPIC (no RAM until 4 GiB)
 *   0x1_0000_0000  RAM above the hole, if the guest has more than 3 GiB
 * </pre>
 */
public final class GuestLayout {
    private GuestLayout() {}

    /** The BIOS data area ends here; from here to the EBDA is free conventional memory. */
    public static final long BOOT_GDT = 0x500;
    /** An empty IDT (limit 0): the kernel installs its own before enabling interrupts. */
    public static final long BOOT_IDT = 0x540;
    /** struct boot_params, the "zero page" the 64-bit entry point receives in RSI. */
    public static final long ZERO_PAGE = 0x7000;
    /** Firecracker's BOOT_STACK_POINTER; the kernel switches to its own stack at once. */
    public static final long BOOT_STACK = 0x8ff0;
    public static final long PML4 = 0x9000;
    public static final long PDPT = 0xa000;
    /** First of {@link #PD_COUNT} page directories, one per GiB. */
    public static final long PD_BASE = 0xb000;
    public static final int PD_COUNT = 4;
    /** Command line: boot.rst lets it sit anywhere between the setup heap and 0xA0000. */
    public static final long CMDLINE = 0x20000;
    /** Start of the extended BIOS data area; Linux scans its first KiB for the MP pointer. */
    public static final long EBDA = 0x9fc00;
    /** MP floating pointer and config table, in the EBDA like Firecracker's MPTABLE_START. */
    public static final long MP_TABLE = EBDA;
    /** Conventional memory ends at 640 KiB; VGA and BIOS ROM occupy the rest up to 1 MiB. */
    public static final long LOW_RAM_END = 0xa0000;
    /** Start of high RAM; boot.rst's traditional protected-mode kernel load address. */
    public static final long HIGH_RAM = 0x100000;
    /** Start of the 1 GiB hole below 4 GiB (Firecracker's MMIO_MEM_START, 768 MiB gap + margin). */
    public static final long PCI_HOLE_START = 0xc000_0000L;
    public static final long FOUR_GIB = 0x1_0000_0000L;
    /** I/O APIC default base (Intel 82093AA datasheet; Linux IO_APIC_DEFAULT_PHYS_BASE). */
    public static final long IOAPIC = 0xfec0_0000L;
    /** Local APIC default base (Intel SDM vol. 3, 11.4.1; Linux APIC_DEFAULT_PHYS_BASE). */
    public static final long LAPIC = 0xfee0_0000L;

    /** A range of guest-physical addresses {@code [gpa, gpa+size)}. */
    public record Range(long gpa, long size) {
        public long end() {
            return gpa + size;
        }
    }

    /**
     * The RAM ranges for a guest of {@code ramBytes}: one from 0 up to the PCI hole, and the rest
     * from 4 GiB. The VM builder backs each with a region; loaders only read {@link
     * org.jvmm.vmm.memory.GuestMemory}, so they work with whatever layout it chose.
     */
    public static List<Range> ramRanges(long ramBytes) {
        if (ramBytes < HIGH_RAM) {
            throw new IllegalArgumentException("guest RAM 0x%x is below the 1 MiB minimum".formatted(ramBytes));
        }
        List<Range> out = new ArrayList<>(2);
        long low = Math.min(ramBytes, PCI_HOLE_START);
        out.add(new Range(0, low));
        if (ramBytes > low) {
            out.add(new Range(FOUR_GIB, Math.subtractExact(ramBytes, low)));
        }
        return List.copyOf(out);
    }
}
