// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.memory;

/**
 * The guest-physical memory map of an x86 jvmm machine, in one place.
 *
 * <pre>
 * 0x0000_0000 .. RAM below 4 GiB ........ RAM (slot 0), at most up to PCI_HOLE_START
 * 0xC000_0000 .. 0xFFFF_FFFF ............ the "PCI hole": MMIO, never RAM
 *   0xD000_0000 .. 0xFEBF_FFFF .......... MMIO space for devices (virtio-mmio and the like)
 *   0xFEC0_0000 ......................... IOAPIC (in-kernel irqchip)
 *   0xFEE0_0000 ......................... local APIC (in-kernel irqchip)
 *   0xFEFF_C000 .. 0xFEFF_CFFF .......... EPT identity map page (KVM_SET_IDENTITY_MAP_ADDR)
 *   0xFEFF_D000 .. 0xFEFF_FFFF .......... TSS pages KVM needs on Intel (KVM_SET_TSS_ADDR)
 * 0x1_0000_0000 .. ...................... RAM above 4 GiB (slot 1), the rest of RAM
 * then, 128 MiB-aligned ................. hot-added RAM (slots 2, 3, ... or 1, 2, ...), if any
 * </pre>
 *
 * A machine with at most {@link #PCI_HOLE_START} bytes of RAM has one slot at 0. A larger one is
 * split at 3 GiB, the remainder starting at 4 GiB, as QEMU's pc machine and Firecracker do, so
 * 32-bit devices and firmware tables always find free space below 4 GiB. The TSS and identity-map
 * addresses are QEMU's; they sit in the hole, so they never overlap RAM.
 */
public final class X86Layout {
    private X86Layout() {}

    public static final long GIB = 1L << 30;
    /** Start of the 32-bit MMIO hole; RAM below 4 GiB ends here at the latest. */
    public static final long PCI_HOLE_START = 0xC000_0000L;
    /** RAM that does not fit below the hole continues here. */
    public static final long HIGH_RAM_START = 0x1_0000_0000L;
    /** First address handed to MMIO devices. */
    public static final long MMIO_START = 0xD000_0000L;
    /** IOAPIC base (Intel 82093AA default, used by the in-kernel IOAPIC). */
    public static final long IOAPIC_BASE = 0xFEC0_0000L;
    /** Local APIC base (IA32_APIC_BASE reset value). */
    public static final long LAPIC_BASE = 0xFEE0_0000L;
    /** Identity map page for KVM_SET_IDENTITY_MAP_ADDR, right below the TSS pages. */
    public static final long IDENTITY_MAP_ADDR = 0xFEFF_C000L;
    /** Three pages for KVM_SET_TSS_ADDR. */
    public static final long TSS_ADDR = 0xFEFF_D000L;

    /** Hot-added RAM starts and grows in units of this size (Linux's memory block, hv_balloon's HA_CHUNK). */
    public static final long HOTPLUG_ALIGN = 128L << 20;

    /**
     * Where RAM added at run time starts for a machine that booted with {@code ramSize} bytes:
     * after the boot RAM, never below 4 GiB (so never in the 32-bit hole, whose MMIO devices
     * would collide), aligned to {@link #HOTPLUG_ALIGN}. No firmware table announces it: the
     * guest learns of it from the device that adds it, as on Hyper-V.
     */
    public static long hotplugBase(long ramSize) {
        RamRange[] ranges = ramRanges(ramSize);
        RamRange last = ranges[ranges.length - 1];
        long end = Math.max(HIGH_RAM_START, last.gpa() + last.size());
        return (end + HOTPLUG_ALIGN - 1) & -HOTPLUG_ALIGN;
    }

    /** One RAM range of the map. */
    public record RamRange(long gpa, long size) {}

    /** Where {@code ramSize} bytes of RAM go: one range, or two around the PCI hole. */
    public static RamRange[] ramRanges(long ramSize) {
        if (ramSize <= 0) {
            throw new IllegalArgumentException("RAM size must be positive, got " + ramSize);
        }
        if (ramSize <= PCI_HOLE_START) {
            return new RamRange[] {new RamRange(0, ramSize)};
        }
        return new RamRange[] {
            new RamRange(0, PCI_HOLE_START),
            new RamRange(HIGH_RAM_START, ramSize - PCI_HOLE_START)
        };
    }
}
