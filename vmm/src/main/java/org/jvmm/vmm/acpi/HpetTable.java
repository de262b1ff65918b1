// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The ACPI {@code HPET} table (IA-PC HPET specification 1.0a, section 3.2.4), revision 1, which
 * is how Linux and Windows find an HPET: the event timer block ID (the low half of the block's
 * capabilities register), its base in system memory, HPET number 0, the minimum tick the block
 * supports in periodic mode, and no page protection guarantee, as QEMU's table.
 */
public final class HpetTable {
    static final int REVISION = 1;
    static final int LENGTH = 56;

    private HpetTable() {}

    /** The table for the block at {@code base}, whose capabilities begin with {@code blockId}. */
    public static byte[] build(int blockId, long base, int minimumTicks) {
        if (minimumTicks < 0 || minimumTicks > 0xffff) {
            throw new IllegalArgumentException("HPET minimum tick " + minimumTicks + " does not fit 16 bits");
        }
        ByteBuffer b = ByteBuffer.allocate(LENGTH - AcpiTable.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(blockId);
        AcpiTable.putMemoryGas(b, base);
        b.put((byte) 0).putShort((short) minimumTicks).put((byte) 0);
        return AcpiTable.of("HPET", REVISION, b.array());
    }
}
