// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import java.util.List;

/**
 * The Differentiated System Description Table: AML for the platform's devices under
 * {@code \_SB}, and the {@code \_S5} package whose sleep type Linux writes to PM1 control to power
 * off ({@link AcpiPm}). The devices come from whoever builds the machine (the legacy PC devices
 * of {@link AcpiDevices}, and devices that extensions add), so this class knows none of them.
 */
final class Dsdt {
    /** Revision 2: integers in this table's AML are 64 bits wide. */
    static final int REVISION = 2;

    private Dsdt() {}

    static byte[] build(List<byte[]> devices) {
        // "_SB", not "\\_SB": the DSDT is already the root scope, and iasl drops the prefix too.
        byte[] sb = Aml.scope("_SB", devices.toArray(byte[][]::new));
        // SLP_TYPa and SLP_TYPb for S5; there is no PM1b block, so the second value is unused.
        byte[] s5 = Aml.nameDecl("_S5", Aml.pkg(Aml.integer(AcpiPm.S5_SLP_TYP), Aml.integer(AcpiPm.S5_SLP_TYP)));
        return AcpiTable.of("DSDT", REVISION, Aml.concat(sb, s5));
    }
}
