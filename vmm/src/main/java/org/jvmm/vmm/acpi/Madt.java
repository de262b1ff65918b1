// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jvmm.vmm.kvm.GsiRouting;

/**
 * The Multiple APIC Description Table (ACPI 6.5, section 5.2.12) for KVM's in-kernel irqchip:
 * one local APIC per vCPU (APIC ID = vCPU index, as KVM numbers them), the I/O APIC at its
 * default address with GSI base 0, two interrupt source overrides (ISA IRQ 0 on GSI 2, as every
 * PC firmware and QEMU's {@code pc} say, and the SCI's level trigger) and the local APICs' LINT1
 * as NMI. It says the same as jvmm's MP table and the GSI routing wires ({@link GsiRouting}):
 * ISA IRQ n is I/O APIC pin n but IRQ 0 is pin 2, and the 8259s are present (PCAT_COMPAT), so
 * Linux ends up with the same interrupt setup whichever table it reads.
 */
final class Madt {
    static final int REVISION = 3;
    static final int PCAT_COMPAT = 1;
    static final int TYPE_LAPIC = 0;
    static final int TYPE_IOAPIC = 1;
    static final int TYPE_OVERRIDE = 2;
    static final int TYPE_LAPIC_NMI = 4;
    static final int LAPIC_ENABLED = 1;
    /** MPS INTI flags 0: polarity and trigger conform to the bus (ISA: active high, edge). */
    static final int CONFORMS = 0;
    /** MPS INTI flags: active high (01) and level-triggered (11 << 2), as the SCI is wired. */
    static final int LEVEL_ACTIVE_HIGH = 0x000d;
    static final int ALL_PROCESSORS = 0xff;

    private Madt() {}

    /** The MADT for {@code cpus} vCPUs; the I/O APIC's ID follows them, as in the MP table. */
    static byte[] build(int cpus, long lapicBase, long ioapicBase) {
        if (cpus < 1 || cpus > 254) {
            throw new IllegalArgumentException("MADT for " + cpus + " CPUs: xAPIC IDs allow 1 to 254");
        }
        ByteBuffer b = ByteBuffer.allocate(8 + cpus * 8 + 12 + 10 + 10 + 6).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) lapicBase).putInt(PCAT_COMPAT);
        for (int cpu = 0; cpu < cpus; cpu++) {
            b.put((byte) TYPE_LAPIC).put((byte) 8).put((byte) cpu).put((byte) cpu).putInt(LAPIC_ENABLED);
        }
        b.put((byte) TYPE_IOAPIC).put((byte) 12).put((byte) cpus).put((byte) 0).putInt((int) ioapicBase).putInt(0);
        b.put((byte) TYPE_OVERRIDE).put((byte) 10).put((byte) 0).put((byte) 0)
                .putInt(GsiRouting.ISA_IRQ0_PIN).putShort((short) CONFORMS);
        b.put((byte) TYPE_OVERRIDE).put((byte) 10).put((byte) 0).put((byte) AcpiPm.SCI_IRQ)
                .putInt(AcpiPm.SCI_IRQ).putShort((short) LEVEL_ACTIVE_HIGH);
        b.put((byte) TYPE_LAPIC_NMI).put((byte) 6).put((byte) ALL_PROCESSORS).putShort((short) 0).put((byte) 1);
        return AcpiTable.of("APIC", REVISION, b.array());
    }
}
