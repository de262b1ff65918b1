// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.boot.TestMemory.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jvmm.vmm.memory.GuestMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MpTableTest {
    private final GuestMemory mem = TestMemory.low(2 * MIB);

    private static int sum(byte[] bytes) {
        int s = 0;
        for (byte b : bytes) {
            s += b & 0xff;
        }
        return s & 0xff;
    }

    private String ascii(long gpa, int length) {
        return new String(mem.read(gpa, length), StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 254})
    void bothChecksumsAddUpToZero(int cpus) {
        MpTable.write(mem, cpus);
        long mpf = GuestLayout.MP_TABLE;
        assertEquals("_MP_", ascii(mpf, 4));
        assertEquals(0, sum(mem.read(mpf, 16)));
        long config = Integer.toUnsignedLong(mem.readInt(mpf + 4));
        assertEquals(mpf + 16, config);
        assertEquals("PCMP", ascii(config, 4));
        int length = Short.toUnsignedInt(mem.readShort(config + 4));
        assertEquals(MpTable.size(cpus) - 16, length);
        assertEquals(0, sum(mem.read(config, length)));
    }

    @Test
    void floatingPointerFieldsMatchTheSpec() {
        MpTable.write(mem, 2);
        byte[] f = mem.read(GuestLayout.MP_TABLE, 16);
        assertEquals(1, f[8]); // one 16-byte paragraph
        assertEquals(4, f[9]); // MP spec 1.4
        assertEquals(0, f[11]); // feature1 0: a config table is present
    }

    @Test
    void entriesDescribeCpusBusIoapicAndInterrupts() {
        MpTable.write(mem, 3);
        long config = GuestLayout.MP_TABLE + 16;
        assertEquals(0xfee00000, mem.readInt(config + 36)); // local APIC address
        long at = config + 44;
        for (int cpu = 0; cpu < 3; cpu++, at += 20) {
            byte[] e = mem.read(at, 4);
            assertEquals(0, e[0]);
            assertEquals(cpu, e[1]);
            assertEquals(0x14, e[2]);
            assertEquals(cpu == 0 ? 3 : 1, e[3]); // enabled, and BSP on CPU 0 only
        }
        assertEquals(1, mem.readByte(at));
        assertEquals("ISA   ", ascii(at + 2, 6));
        at += 8;
        assertEquals(2, mem.readByte(at));
        assertEquals(3, mem.readByte(at + 1)); // I/O APIC id = number of CPUs
        assertEquals(0x11, mem.readByte(at + 2));
        assertEquals(1, mem.readByte(at + 3));
        assertEquals(0xfec00000, mem.readInt(at + 4));
        at += 8;
        // IRQ 0 on pin 2 and no entry for the cascade (IRQ 2), as SeaBIOS writes it for QEMU's pc.
        assertEquals("3,0,0,0,0,0,3,2", join(mem.read(at, 8)));
        at += 8;
        assertEquals("3,0,0,0,0,1,3,1", join(mem.read(at, 8)));
        at += 8;
        for (int irq = 3; irq < 16; irq++, at += 8) {
            byte[] e = mem.read(at, 8);
            assertEquals("3,0,0,0,0,%d,3,%d".formatted(irq, irq), join(e));
        }
        assertEquals("4,3,0,0,0,0,0,0", join(mem.read(at, 8))); // ExtINT -> BSP LINT0
        assertEquals("4,1,0,0,0,0,-1,1", join(mem.read(at + 8, 8))); // NMI -> all LINT1
        assertEquals(config + 44 + 3 * 20 + 8 + 8 + 15 * 8 + 16, at + 16);
    }

    private static String join(byte[] b) {
        return String.join(",", Arrays.stream(toInts(b)).mapToObj(Integer::toString).toList());
    }

    private static int[] toInts(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i];
        }
        return out;
    }

    @Test
    void sizeFor254CpusStaysBelow1MiB() {
        assertEquals(5292, MpTable.size(254));
        MpTable.write(mem, 254);
        assertEquals((byte) 253, mem.readByte(GuestLayout.MP_TABLE + 16 + 44 + 253 * 20 + 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 255})
    void refusesCpuCountsTheTableCannotHold(int cpus) {
        var e = assertThrows(BootConfigException.class, () -> MpTable.write(mem, cpus));
        assertEquals(cpus + " CPUs requested, the MP table describes 1 to 254", e.getMessage());
    }
}
