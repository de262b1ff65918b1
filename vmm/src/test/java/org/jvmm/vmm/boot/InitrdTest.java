// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.boot.TestMemory.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitrdTest {
    @TempDir
    Path dir;

    private static LoadedKernel kernel(long footprintEnd, long initrdAddrMax) {
        return new LoadedKernel(Path.of("k"), LoadedKernel.Format.BZIMAGE, 0x1000200, 0x1000000, 0x1003000,
                footprintEnd, new byte[0], 2047, initrdAddrMax);
    }

    @Test
    void goesToTheHighestPageBelowRamEnd() {
        var mem = TestMemory.low(64 * MIB);
        GuestLayout.Range r = Initrd.place(Path.of("i"), 0x1801, kernel(0x1400000, 0x7fffffff), mem);
        assertEquals(new GuestLayout.Range(64 * MIB - 0x2000, 0x1801), r);
    }

    @Test
    void staysBelowInitrdAddrMax() {
        var mem = TestMemory.low(64 * MIB);
        GuestLayout.Range r = Initrd.place(Path.of("i"), 0x1000, kernel(0x1400000, 0x1ffffff), mem);
        assertEquals(new GuestLayout.Range(0x1fff000, 0x1000), r); // last byte at 0x1ffffff exactly
    }

    @Test
    void fillsTheWholeGapAboveTheKernel() {
        var mem = TestMemory.low(32 * MIB);
        long room = 32 * MIB - 0x1401000;
        assertEquals(0x1401000L, Initrd.place(Path.of("i"), room, kernel(0x1400001, 0x7fffffff), mem).gpa());
    }

    @Test
    void refusesAnInitrdThatOverlapsTheKernel() {
        var mem = TestMemory.low(32 * MIB);
        long room = 32 * MIB - 0x1400000;
        var e = assertThrows(KernelImageException.class,
                () -> Initrd.place(Path.of("big.img"), room + 1, kernel(0x1400000, 0x7fffffff), mem));
        assertEquals("big.img: initrd is 0xc00001 bytes, only 0xc00000 fit between the kernel end 0x1400000 and 0x2000000",
                e.getMessage());
    }

    @Test
    void refusesAnEmptyInitrd() {
        var e = assertThrows(KernelImageException.class,
                () -> Initrd.place(Path.of("e.img"), 0, kernel(0x1400000, 0x7fffffff), TestMemory.low(32 * MIB)));
        assertEquals("e.img: initrd is empty", e.getMessage());
    }

    @Test
    void loadCopiesTheFile() throws Exception {
        var mem = TestMemory.low(32 * MIB);
        byte[] data = new byte[10000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        Path file = Files.write(dir.resolve("initrd.img"), data);
        GuestLayout.Range r = Initrd.load(file, kernel(0x1400000, 0x7fffffff), mem);
        assertEquals(32 * MIB - 0x3000, r.gpa());
        assertArrayEquals(data, mem.read(r.gpa(), data.length));
    }

    @Test
    void loadReportsAMissingFile() {
        Path file = dir.resolve("nope.img");
        var e = assertThrows(KernelImageException.class,
                () -> Initrd.load(file, kernel(0x1400000, 0x7fffffff), TestMemory.low(32 * MIB)));
        assertEquals(file + ": cannot read initrd: NoSuchFileException " + file, e.getMessage());
    }
}
