// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.memory.GuestMemory.LE_INT;
import static org.jvmm.vmm.memory.GuestMemory.LE_SHORT;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.jvmm.vmm.kvm.GsiRouting;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * The Intel MultiProcessor Specification 1.4 tables, which tell a kernel without ACPI how many
 * CPUs there are and how ISA interrupts reach the I/O APIC. Layouts from
 * arch/x86/include/asm/mpspec_def.h; Linux finds the floating pointer by scanning the first KiB
 * of the EBDA (arch/x86/kernel/mpparse.c, smp_scan_config), which is where it goes.
 *
 * <p>With 254 CPUs the tables take 5292 bytes and run from 0x9FC00 past 0xA0000 into the VGA
 * hole. That is fine: it is all RAM in jvmm's layout and all reserved in the e820 map.
 */
public final class MpTable {
    /** The I/O APIC takes APIC id N, and id 0xFF is the broadcast address. */
    public static final int MAX_CPUS = 254;

    static final int FLOATING_SIZE = 16;
    static final int HEADER_SIZE = 44;
    static final int CPU_SIZE = 20;
    static final int SMALL_ENTRY_SIZE = 8;
    static final int ISA_IRQS = 16;
    /** Interrupt source entries: every ISA IRQ but the 8259 cascade (see GsiRouting). */
    static final int ISA_ENTRIES = ISA_IRQS - 1;

    private static final int MP_PROCESSOR = 0;
    private static final int MP_BUS = 1;
    private static final int MP_IOAPIC = 2;
    private static final int MP_INTSRC = 3;
    private static final int MP_LINTSRC = 4;
    private static final int MP_INT = 0;
    private static final int MP_NMI = 1;
    private static final int MP_EXTINT = 3;
    private static final int CPU_ENABLED = 1;
    private static final int CPU_BOOTPROCESSOR = 2;
    private static final int SPEC_1_4 = 4;
    /** Local APIC version of current Intel parts (Firecracker and QEMU report it too). */
    private static final int LAPIC_VERSION = 0x14;
    /** 82093AA I/O APIC version, which KVM's in-kernel IOAPIC reports. */
    private static final int IOAPIC_VERSION = 0x11;
    /** Family 6 signature, and CPUID.1:EDX FPU (bit 0) and APIC (bit 9). */
    private static final int CPU_SIGNATURE = 0x600;
    private static final int CPU_FEATURES = 0x201;
    private static final int ISA_BUS = 0;

    private MpTable() {}

    /** Total bytes written for {@code cpus} CPUs (floating pointer plus config table). */
    public static int size(int cpus) {
        return FLOATING_SIZE + configSize(cpus);
    }

    private static int configSize(int cpus) {
        return HEADER_SIZE + cpus * CPU_SIZE + SMALL_ENTRY_SIZE * (2 + ISA_ENTRIES + 2);
    }

    /** Writes the tables for {@code cpus} CPUs at {@link GuestLayout#MP_TABLE}. */
    public static void write(GuestMemory mem, int cpus) {
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new BootConfigException("%d CPUs requested, the MP table describes 1 to %d".formatted(cpus, MAX_CPUS));
        }
        byte[] bytes = new byte[size(cpus)];
        MemorySegment m = MemorySegment.ofArray(bytes);
        long config = GuestLayout.MP_TABLE + FLOATING_SIZE;

        ascii(bytes, 0, "_MP_");
        m.set(LE_INT, 4, (int) config);
        bytes[8] = 1; // length in 16-byte units
        bytes[9] = SPEC_1_4;
        // feature1 = 0: a config table follows, not a default configuration
        bytes[10] = checksum(bytes, 0, FLOATING_SIZE);

        int c = FLOATING_SIZE;
        int length = configSize(cpus);
        ascii(bytes, c, "PCMP");
        m.set(LE_SHORT, c + 4, (short) length);
        bytes[c + 6] = SPEC_1_4;
        ascii(bytes, c + 8, "JVMM    ");
        ascii(bytes, c + 16, "000000000000");
        m.set(LE_INT, c + 36, (int) GuestLayout.LAPIC);

        int at = c + HEADER_SIZE;
        for (int cpu = 0; cpu < cpus; cpu++, at += CPU_SIZE) {
            bytes[at] = MP_PROCESSOR;
            bytes[at + 1] = (byte) cpu;
            bytes[at + 2] = LAPIC_VERSION;
            bytes[at + 3] = (byte) (CPU_ENABLED | (cpu == 0 ? CPU_BOOTPROCESSOR : 0));
            m.set(LE_INT, at + 4, CPU_SIGNATURE);
            m.set(LE_INT, at + 8, CPU_FEATURES);
        }
        bytes[at] = MP_BUS;
        bytes[at + 1] = ISA_BUS;
        ascii(bytes, at + 2, "ISA   ");
        at += SMALL_ENTRY_SIZE;

        int ioapicId = cpus;
        bytes[at] = MP_IOAPIC;
        bytes[at + 1] = (byte) ioapicId;
        bytes[at + 2] = IOAPIC_VERSION;
        bytes[at + 3] = 1; // MPC_APIC_USABLE
        m.set(LE_INT, at + 4, (int) GuestLayout.IOAPIC);
        at += SMALL_ENTRY_SIZE;

        // ISA IRQ n arrives on I/O APIC pin n, but IRQ 0 on pin 2 and IRQ 2 (the cascade) nowhere,
        // as GsiRouting wires them (SeaBIOS writes the same table for QEMU's pc); flags 0 means
        // "conforms to the bus": edge-triggered, active high for ISA.
        for (int irq = 0; irq < ISA_IRQS; irq++) {
            if (irq == GsiRouting.ISA_CASCADE_IRQ) {
                continue;
            }
            bytes[at] = MP_INTSRC;
            bytes[at + 1] = MP_INT;
            bytes[at + 4] = ISA_BUS;
            bytes[at + 5] = (byte) irq;
            bytes[at + 6] = (byte) ioapicId;
            bytes[at + 7] = (byte) (irq == 0 ? GsiRouting.ISA_IRQ0_PIN : irq);
            at += SMALL_ENTRY_SIZE;
        }
        // The 8259 PIC feeds the BSP's LINT0 (virtual-wire mode); NMI goes to LINT1 of every CPU.
        at = lint(bytes, at, MP_EXTINT, 0, 0);
        at = lint(bytes, at, MP_NMI, 0xff, 1);

        bytes[c + 7] = checksum(bytes, c, length);
        mem.write(GuestLayout.MP_TABLE, bytes);
    }

    private static int lint(byte[] bytes, int at, int type, int apic, int pin) {
        bytes[at] = MP_LINTSRC;
        bytes[at + 1] = (byte) type;
        bytes[at + 4] = ISA_BUS;
        bytes[at + 5] = 0;
        bytes[at + 6] = (byte) apic;
        bytes[at + 7] = (byte) pin;
        return at + SMALL_ENTRY_SIZE;
    }

    private static void ascii(byte[] bytes, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, bytes, at, b.length);
    }

    /** The byte that makes {@code bytes[from, from+length)} sum to zero modulo 256. */
    static byte checksum(byte[] bytes, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += bytes[i];
        }
        return (byte) -sum;
    }
}
