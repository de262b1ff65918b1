// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

/**
 * AML device objects for the legacy PC devices a direct-boot guest has, with the PNP IDs and
 * resources Linux's PNP layer matches its drivers against (8250_pnp, i8042's PNP probe,
 * rtc_cmos). Names are 4-character ACPI names, unique within {@code \_SB}.
 */
public final class AcpiDevices {
    private AcpiDevices() {}

    /** A 16550-compatible UART: PNP0501, eight ports and one ISA IRQ; {@code uid} from 1. */
    public static byte[] serial(String name, int uid, int base, int irq) {
        return Aml.device(name,
                Aml.nameDecl("_HID", Aml.eisaId("PNP0501")),
                Aml.nameDecl("_UID", Aml.integer(uid)),
                Aml.nameDecl("_CRS", new ResourceTemplate().io(base, 8).irq(irq).buffer()));
    }

    /** The 8042 keyboard port: PNP0303 with the data and command ports and its IRQ. */
    public static byte[] ps2Keyboard(String name, int dataPort, int commandPort, int irq) {
        return Aml.device(name,
                Aml.nameDecl("_HID", Aml.eisaId("PNP0303")),
                Aml.nameDecl("_CRS", new ResourceTemplate().io(dataPort, 1).io(commandPort, 1).irq(irq).buffer()));
    }

    /** The 8042's auxiliary (mouse) port: PNP0F13, which owns only its IRQ. */
    public static byte[] ps2Mouse(String name, int irq) {
        return Aml.device(name,
                Aml.nameDecl("_HID", Aml.eisaId("PNP0F13")),
                Aml.nameDecl("_CRS", new ResourceTemplate().irq(irq).buffer()));
    }

    /**
     * The CMOS clock: PNP0B00 with its index and data ports. jvmm's clock raises no interrupts,
     * so it claims no IRQ (Linux's rtc_cmos assumes IRQ 8 for an RTC at 0x70 all the same, as
     * for many real boards whose tables leave it out; its alarms then never ring).
     */
    public static byte[] cmosRtc(String name, int base, int ports) {
        return Aml.device(name,
                Aml.nameDecl("_HID", Aml.eisaId("PNP0B00")),
                Aml.nameDecl("_CRS", new ResourceTemplate().io(base, ports).buffer()));
    }

    /**
     * The HPET: PNP0103 with its register block, read-only as QEMU declares it. Linux's hpet
     * driver binds to it by this ID; the timer itself is found through the {@code HPET} table.
     */
    public static byte[] hpet(String name, long base, int length) {
        return Aml.device(name,
                Aml.nameDecl("_HID", Aml.eisaId("PNP0103")),
                Aml.nameDecl("_UID", Aml.integer(0)),
                Aml.nameDecl("_CRS", new ResourceTemplate().memory32Fixed(false, base, length).buffer()));
    }
}
