// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRegion;

/** The tables' structure as a kernel walks it: checksums, lengths, pointers, placement. */
class AcpiTablesTest {
    static GuestMemory memory() {
        return GuestMemory.of(List.of(new GuestRegion(0, Arena.ofAuto().allocate(2 << 20, 4096))));
    }

    static int sum(byte[] b, int from, int len) {
        int s = 0;
        for (int i = from; i < from + len; i++) {
            s += b[i];
        }
        return s & 0xff;
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void aKernelFindsEveryTableFromTheRsdpAndEveryChecksumHolds() {
        GuestMemory mem = memory();
        AcpiTables.Written w = AcpiTables.write(mem, 2, 0xfee00000L, 0xfec00000L,
                List.of(AcpiDevices.serial("COM1", 1, 0x3f8, 4)));
        assertEquals(0xe0000L, w.rsdp());
        byte[] rsdp = new byte[36];
        mem.read(w.rsdp(), rsdp);
        assertEquals("RSD PTR ", new String(rsdp, 0, 8, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0, sum(rsdp, 0, 20), "RSDP checksum");
        assertEquals(0, sum(rsdp, 0, 36), "RSDP extended checksum");
        assertEquals(2, rsdp[15], "revision 2: the XSDT is used");
        long xsdtAt = le(rsdp).getLong(24);
        byte[] xsdt = read(mem, xsdtAt);
        assertEquals("XSDT", sig(xsdt));
        List<String> found = new java.util.ArrayList<>();
        for (int off = 36; off < xsdt.length; off += 8) {
            byte[] t = read(mem, le(xsdt).getLong(off));
            found.add(sig(t));
            if (sig(t).equals("FACP")) {
                byte[] dsdt = read(mem, le(t).getLong(140));
                assertEquals("DSDT", sig(dsdt));
                assertEquals(le(t).getInt(40), (int) le(t).getLong(140), "DSDT and X_DSDT agree");
                long facs = le(t).getLong(132);
                assertEquals(0, facs % 64, "FACS 64-byte aligned");
                byte[] f = new byte[64];
                mem.read(facs, f);
                assertEquals("FACS", sig(f));
            }
        }
        assertEquals(List.of("FACP", "APIC"), found);
        for (var e : w.tables().entrySet()) {
            assertTrue(e.getValue() >= AcpiTables.BASE && e.getValue() + w.bytes().get(e.getKey()).length <= AcpiTables.LIMIT,
                    e.getKey() + " outside the reserved BIOS area");
        }
    }

    static byte[] read(GuestMemory mem, long gpa) {
        byte[] hdr = new byte[8];
        mem.read(gpa, hdr);
        byte[] t = new byte[le(hdr).getInt(4)];
        mem.read(gpa, t);
        assertEquals(0, sum(t, 0, t.length), sig(t) + " checksum");
        return t;
    }

    static String sig(byte[] t) {
        return new String(t, 0, 4, java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void theMadtListsOneEnabledLocalApicPerCpuAndTheIoApicAfterThem() {
        byte[] madt = Madt.build(4, 0xfee00000L, 0xfec00000L);
        ByteBuffer b = le(madt);
        assertEquals(0xfee00000, b.getInt(36));
        int at = 44;
        for (int cpu = 0; cpu < 4; cpu++, at += 8) {
            assertArrayEquals(new byte[] {0, 8, (byte) cpu, (byte) cpu, 1, 0, 0, 0}, java.util.Arrays.copyOfRange(madt, at, at + 8));
        }
        assertEquals(1, madt[at]);
        assertEquals(4, madt[at + 2], "I/O APIC ID follows the CPUs, as in the MP table");
        assertEquals(0xfec00000, b.getInt(at + 4));
        at += 12;
        // Interrupt source overrides: ISA IRQ 0 on GSI 2 (bus-conforming), then the SCI, level.
        assertArrayEquals(new byte[] {2, 10, 0, 0, 2, 0, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(madt, at, at + 10));
        assertArrayEquals(new byte[] {2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0}, java.util.Arrays.copyOfRange(madt, at + 10, at + 20));
        assertEquals(madt.length, at + 10 + 10 + 6);
        assertThrows(IllegalArgumentException.class, () -> Madt.build(0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Madt.build(255, 0, 0));
    }

    @Test
    void amlEncodingsMatchTheSpecificationsExamples() {
        assertArrayEquals(new byte[] {0x0c, 0x41, (byte) 0xd0, 0x05, 0x01}, Aml.eisaId("PNP0501"));
        assertArrayEquals(new byte[] {0x00}, Aml.integer(0));
        assertArrayEquals(new byte[] {0x0a, 0x7f}, Aml.integer(0x7f));
        assertArrayEquals(new byte[] {0x0b, 0x34, 0x12}, Aml.integer(0x1234));
        assertArrayEquals(new byte[] {0x0c, 0x78, 0x56, 0x34, 0x12}, Aml.integer(0x12345678));
        assertArrayEquals(new byte[] {'_', 'S', 'B', '_'}, Aml.name("_SB"));
        assertArrayEquals(new byte[] {'\\', 0x2e, '_', 'S', 'B', '_', 'C', 'O', 'M', '1'}, Aml.name("\\_SB.COM1"));
        // PkgLength: one byte up to 63, then a lead byte carrying the count of extra bytes.
        assertEquals(64, Aml.withPkgLength(new byte[] {0x10}, new byte[62]).length);
        assertEquals(63, Aml.withPkgLength(new byte[] {0x10}, new byte[62])[1]);
        byte[] two = Aml.withPkgLength(new byte[] {0x10}, new byte[63]);
        assertEquals(0x41, two[1] & 0xff); // 65 = 0x41: lead 0x40 | low nibble 1, then 0x04
        assertEquals(0x04, two[2]);
        assertThrows(IllegalArgumentException.class, () -> Aml.name("1BAD"));
        assertThrows(IllegalArgumentException.class, () -> Aml.name("TOOLONG"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("pnp0501"));
        assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().irq(16));
    }
}
