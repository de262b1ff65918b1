// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Fixed ACPI Description Table, revision 6 (ACPI 6.5, section 5.2.9), for a PC with the
 * fixed-hardware registers of {@link AcpiPm}: not hardware-reduced, because Linux then needs
 * no sleep-control registers or GED device to power off, and the PM timer (PM_TMR_BLK, at
 * {@link AcpiPm#PM_TMR}) only exists outside hardware-reduced mode. The 32-bit and 64-bit (X_)
 * forms of each address are both filled and always equal, as ACPICA warns about any mismatch.
 */
final class Fadt {
    static final int REVISION = 6;
    static final int MINOR_REVISION = 0;
    /** Length of a revision 6 FADT, header included. */
    static final int LENGTH = 276;

    /** Flags (table 5.10): WBINVD works, C1 on all CPUs, power and sleep buttons are not fixed
     *  features (there are none), and the reset register is supported. TMR_VAL_EXT (bit 8) stays
     *  clear: the PM timer counts 24 bits, as on QEMU's {@code pc} machine. */
    static final int WBINVD = 1;
    static final int PROC_C1 = 1 << 2;
    static final int PWR_BUTTON = 1 << 4;
    static final int SLP_BUTTON = 1 << 5;
    static final int RESET_REG_SUP = 1 << 10;
    /** IA-PC boot architecture flags (table 5.11): ISA devices, an 8042, no VGA. Without the 8042
     *  bit Linux takes the keyboard controller, and with it jvmm's reset line, for absent. */
    static final int LEGACY_DEVICES = 1;
    static final int I8042 = 1 << 1;
    static final int VGA_NOT_PRESENT = 1 << 2;

    /** Reset: 0xFE to the keyboard controller's command port pulses the reset line (I8042). */
    static final int RESET_PORT = 0x64;
    static final int RESET_VALUE = 0xfe;

    private Fadt() {}

    static byte[] build(long facs, long dsdt) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH - AcpiTable.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        // FACS only in X_FIRMWARE_CTRL: ACPICA installs the table once for each field that is set.
        b.putInt(0).putInt((int) dsdt);
        b.put((byte) 0).put((byte) 0);                  // reserved, preferred PM profile: unspecified
        b.putShort((short) AcpiPm.SCI_IRQ);
        b.putInt(0);                                     // SMI_CMD: none, always in ACPI mode
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0); // ACPI_ENABLE/DISABLE, S4BIOS, PSTATE
        b.putInt(AcpiPm.PM1_EVT).putInt(0).putInt(AcpiPm.PM1_CNT).putInt(0).putInt(0);
        b.putInt(AcpiPm.PM_TMR);
        b.putInt(AcpiPm.GPE0).putInt(0);
        b.put((byte) AcpiPm.PM1_EVT_LEN).put((byte) AcpiPm.PM1_CNT_LEN).put((byte) 0).put((byte) AcpiPm.PM_TMR_LEN);
        b.put((byte) AcpiPm.GPE0_LEN).put((byte) 0).put((byte) 0).put((byte) 0); // GPE1 none, CST_CNT
        // C2/C3 latencies above 100/1000 us say "not supported", as on QEMU's PC.
        b.putShort((short) 0xfff).putShort((short) 0xffff);
        b.putShort((short) 0).putShort((short) 0);       // flush size/stride
        b.put((byte) 0).put((byte) 0);                   // duty offset/width
        b.put((byte) 0).put((byte) 0).put((byte) 0x32);  // RTC day/month alarm: none; century at CMOS 0x32
        b.putShort((short) (LEGACY_DEVICES | I8042 | VGA_NOT_PRESENT)).put((byte) 0);
        b.putInt(WBINVD | PROC_C1 | PWR_BUTTON | SLP_BUTTON | RESET_REG_SUP);
        AcpiTable.putIoGas(b, RESET_PORT, 8, AcpiTable.ACCESS_BYTE);
        b.put((byte) RESET_VALUE).putShort((short) 0).put((byte) MINOR_REVISION);
        b.putLong(facs).putLong(dsdt);
        AcpiTable.putIoGas(b, AcpiPm.PM1_EVT, AcpiPm.PM1_EVT_LEN * 8, 0);
        AcpiTable.putNoGas(b);                           // PM1b event
        AcpiTable.putIoGas(b, AcpiPm.PM1_CNT, AcpiPm.PM1_CNT_LEN * 8, 0);
        AcpiTable.putNoGas(b);                           // PM1b control
        AcpiTable.putNoGas(b);                           // PM2 control
        AcpiTable.putIoGas(b, AcpiPm.PM_TMR, AcpiPm.PM_TMR_LEN * 8, 0);
        AcpiTable.putIoGas(b, AcpiPm.GPE0, AcpiPm.GPE0_LEN * 8, 0);
        AcpiTable.putNoGas(b);                           // GPE1
        AcpiTable.putNoGas(b);                           // sleep control (hardware-reduced only)
        AcpiTable.putNoGas(b);                           // sleep status
        b.putLong(0);                                    // hypervisor vendor identity: unset
        return AcpiTable.of("FACP", REVISION, b.array());
    }
}
