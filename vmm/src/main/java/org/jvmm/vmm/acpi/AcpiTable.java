// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A system description table: the 36-byte header every ACPI table but the RSDP and FACS starts
 * with (ACPI 6.5, section 5.2.6), then the body, with the checksum byte set so that all bytes of
 * the table add up to 0 modulo 256. jvmm's tables all carry OEM ID "JVMM", OEM table ID
 * "JVMMVM" and creator "JVMM", so a guest (and {@code iasl -d}) can tell who wrote them.
 */
public final class AcpiTable {
    public static final int HEADER_SIZE = 36;
    static final String OEM_ID = "JVMM  ";
    static final String OEM_TABLE_ID = "JVMMVM  ";
    static final int OEM_REVISION = 1;
    static final String CREATOR_ID = "JVMM";
    static final int CREATOR_REVISION = 1;
    /** Offset of the checksum byte in the header. */
    static final int CHECKSUM = 9;

    private AcpiTable() {}

    /** The table with signature {@code sig} (4 characters), revision and body. */
    public static byte[] of(String sig, int revision, byte[] body) {
        if (sig.length() != 4) {
            throw new IllegalArgumentException("ACPI signature must have 4 characters: " + sig);
        }
        byte[] t = new byte[HEADER_SIZE + body.length];
        ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii(sig)).putInt(t.length).put((byte) revision).put((byte) 0)
                .put(ascii(OEM_ID)).put(ascii(OEM_TABLE_ID)).putInt(OEM_REVISION)
                .put(ascii(CREATOR_ID)).putInt(CREATOR_REVISION).put(body);
        t[CHECKSUM] = checksum(t, 0, t.length);
        return t;
    }

    /** The byte that makes {@code bytes[from, from+length)} sum to 0 modulo 256. */
    static byte checksum(byte[] bytes, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += bytes[i];
        }
        return (byte) -sum;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A Generic Address Structure (section 5.2.3.2) in system I/O space. */
    static void putIoGas(ByteBuffer b, int port, int bitWidth, int accessSize) {
        b.put((byte) SPACE_IO).put((byte) bitWidth).put((byte) 0).put((byte) accessSize).putLong(port);
    }

    /**
     * A Generic Address Structure in system memory with no width or access size given, the form
     * QEMU's HPET table uses for the block's base.
     */
    static void putMemoryGas(ByteBuffer b, long address) {
        b.put((byte) SPACE_MEMORY).put((byte) 0).put((byte) 0).put((byte) 0).putLong(address);
    }

    /** An all-zero Generic Address Structure: the register does not exist. */
    static void putNoGas(ByteBuffer b) {
        b.put(new byte[GAS_SIZE]);
    }

    static final int SPACE_MEMORY = 0;
    static final int SPACE_IO = 1;
    static final int GAS_SIZE = 12;
    static final int ACCESS_BYTE = 1;
}
