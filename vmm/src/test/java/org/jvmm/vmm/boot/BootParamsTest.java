// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.boot.TestMemory.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import org.jvmm.vmm.memory.GuestMemory;
import org.junit.jupiter.api.Test;

class BootParamsTest {
    private static LoadedKernel kernel(byte[] header) {
        return new LoadedKernel(Path.of("k"), LoadedKernel.Format.BZIMAGE, 0x1000200, 0x1000000, 0x1003000,
                0x1400000, header, 2047, 0x7fffffff);
    }

    private static byte[] bzHeader() {
        byte[] image = new TestBzImage().build();
        return Arrays.copyOfRange(image, 0x1f1, 0x26c);
    }

    private static MemorySegment page(BootParams p) {
        return MemorySegment.ofArray(p.bytes());
    }

    @Test
    void copiesTheSetupHeaderAndMarksTheLoader() {
        byte[] header = bzHeader();
        byte[] page = new BootParams(kernel(header)).bytes();
        assertEquals(4096, page.length);
        assertEquals((byte) 0xff, page[0x210]); // type_of_loader: undefined
        assertEquals((byte) 0x81, page[0x211]); // LOADED_HIGH kept, CAN_USE_HEAP added
        assertEquals((short) 0xfe00, MemorySegment.ofArray(page).get(GuestMemory.LE_SHORT, 0x224));
        assertEquals(0, page[0x1ef]); // sentinel clear: the loader zeroed the page
        assertArrayEquals(new byte[0x1f1], Arrays.copyOfRange(page, 0, 0x1f1));
        byte[] copied = Arrays.copyOfRange(page, 0x1f1, 0x26c);
        copied[0x210 - 0x1f1] = header[0x210 - 0x1f1];
        copied[0x211 - 0x1f1] = header[0x211 - 0x1f1];
        copied[0x224 - 0x1f1] = header[0x224 - 0x1f1];
        copied[0x225 - 0x1f1] = header[0x225 - 0x1f1];
        assertArrayEquals(header, copied);
    }

    @Test
    void cmdlineAndRamdiskBelow4GiBLeaveTheHighHalvesZero() {
        MemorySegment p = page(new BootParams(kernel(bzHeader())).cmdline(0x20000).ramdisk(0x7f000000L, 0x123456));
        assertEquals(0x20000, p.get(GuestMemory.LE_INT, 0x228));
        assertEquals(0, p.get(GuestMemory.LE_INT, 0x0c8));
        assertEquals(0x7f000000, p.get(GuestMemory.LE_INT, 0x218));
        assertEquals(0x123456, p.get(GuestMemory.LE_INT, 0x21c));
        assertEquals(0, p.get(GuestMemory.LE_INT, 0x0c0));
        assertEquals(0, p.get(GuestMemory.LE_INT, 0x0c4));
    }

    @Test
    void addressesAbove4GiBSplitIntoTheExtFields() {
        MemorySegment p = page(new BootParams(kernel(bzHeader()))
                .cmdline(0x3_0000_2000L).ramdisk(0x1_2345_6000L, 0x2_0000_0010L));
        assertEquals(0x2000, p.get(GuestMemory.LE_INT, 0x228));
        assertEquals(3, p.get(GuestMemory.LE_INT, 0x0c8));
        assertEquals(0x23456000, p.get(GuestMemory.LE_INT, 0x218));
        assertEquals(1, p.get(GuestMemory.LE_INT, 0x0c0));
        assertEquals(0x10, p.get(GuestMemory.LE_INT, 0x21c));
        assertEquals(2, p.get(GuestMemory.LE_INT, 0x0c4));
    }

    @Test
    void writesTheE820TableAsPacked20ByteEntries() {
        E820Map map = E820Map.forMemory(TestMemory.low(64 * MIB));
        byte[] page = new BootParams(kernel(bzHeader())).e820(map).bytes();
        assertEquals(3, page[0x1e8]);
        MemorySegment p = MemorySegment.ofArray(page);
        long[][] expected = {{0, 0x9fc00, 1}, {0x9fc00, 0x60400, 2}, {0x100000, 63 * MIB, 1}};
        for (int i = 0; i < expected.length; i++) {
            long at = 0x2d0 + i * 20L;
            assertEquals(expected[i][0], p.get(GuestMemory.LE_LONG, at));
            assertEquals(expected[i][1], p.get(GuestMemory.LE_LONG, at + 8));
            assertEquals((int) expected[i][2], p.get(GuestMemory.LE_INT, at + 16));
        }
        assertArrayEquals(new byte[20], Arrays.copyOfRange(page, 0x2d0 + 60, 0x2d0 + 80));
    }

    @Test
    void writeToPutsThePageInGuestMemory() {
        GuestMemory mem = TestMemory.low(2 * MIB);
        BootParams p = new BootParams(kernel(bzHeader())).cmdline(0x20000);
        p.writeTo(mem, GuestLayout.ZERO_PAGE);
        assertArrayEquals(p.bytes(), mem.read(GuestLayout.ZERO_PAGE, 4096));
    }
}
