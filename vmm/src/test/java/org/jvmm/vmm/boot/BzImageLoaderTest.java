// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.boot.TestMemory.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.jvmm.vmm.memory.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BzImageLoaderTest {
    @TempDir
    Path dir;

    private final GuestMemory mem = TestMemory.low(64 * MIB);

    private String failure(TestBzImage image) throws IOException {
        Path file = image.write(dir);
        return assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem)).getMessage();
    }

    private static byte[] payload(TestBzImage image) {
        byte[] all = image.build();
        return Arrays.copyOfRange(all, all.length - image.kernelBytes, all.length);
    }

    @Test
    void relocatableKernelGoesToPrefAddress() throws IOException {
        TestBzImage image = new TestBzImage();
        LoadedKernel k = KernelImage.load(image.write(dir), mem);
        assertEquals(LoadedKernel.Format.BZIMAGE, k.format());
        assertEquals(0x100_0000L, k.loadStart());
        assertEquals(0x100_0200L, k.entry());
        assertEquals(0x100_0000L + image.kernelBytes, k.loadEnd());
        assertEquals(0x100_0000L + image.initSize, k.footprintEnd());
        assertArrayEquals(payload(image), mem.read(0x100_0000L, image.kernelBytes));
        assertEquals(2047, k.cmdlineMax());
        assertEquals(0x7fff_ffffL, k.initrdAddrMax());
    }

    @Test
    void setupHeaderIsCopiedWithCode32StartPointingAtTheKernel() throws IOException {
        TestBzImage image = new TestBzImage();
        LoadedKernel k = KernelImage.load(image.write(dir), mem);
        byte[] header = k.setupHeader();
        assertEquals(0x26c - 0x1f1, header.length); // up to the end the jump byte announces
        byte[] expected = Arrays.copyOfRange(image.build(), 0x1f1, 0x26c);
        MemorySegment.ofArray(expected).set(GuestMemory.LE_INT, 0x214 - 0x1f1, 0x100_0000);
        assertArrayEquals(expected, header);
    }

    @Test
    void nonRelocatableKernelGoesTo1MiBAndReservesItsBufferAtPrefAddress() throws IOException {
        TestBzImage image = new TestBzImage();
        image.relocatable = 0;
        LoadedKernel k = KernelImage.load(image.write(dir), mem);
        assertEquals(0x10_0000L, k.loadStart());
        assertEquals(0x10_0200L, k.entry());
        assertEquals(0x100_0000L + image.initSize, k.footprintEnd());
        assertArrayEquals(payload(image), mem.read(0x10_0000L, image.kernelBytes));
    }

    @Test
    void misalignedPrefAddressFallsBackTo1MiB() throws IOException {
        TestBzImage image = new TestBzImage();
        image.prefAddress = 0x100_1000;
        LoadedKernel k = KernelImage.load(image.write(dir), mem);
        assertEquals(0x10_0000L, k.loadStart());
        // head_64.S decompresses at max(alignUp(0x100000, 2 MiB), pref_address)
        assertEquals(0x100_1000L + image.initSize, k.footprintEnd());
    }

    @Test
    void zeroSetupSectsMeansFour() throws IOException {
        TestBzImage image = new TestBzImage();
        image.setupSects = 0;
        LoadedKernel k = KernelImage.load(image.write(dir), mem);
        assertArrayEquals(payload(image), mem.read(k.loadStart(), image.kernelBytes));
    }

    @Test
    void refusesMissingMagicWhenCalledDirectly() {
        byte[] junk = new byte[0x1000];
        var e = assertThrows(KernelImageException.class,
                () -> BzImageLoader.load(Path.of("junk"), MemorySegment.ofArray(junk), mem));
        assertEquals("junk: not a bzImage: no HdrS magic", e.getMessage());
    }

    @Test
    void refusesFileWithNeitherFormat() throws IOException {
        Path file = Files.write(dir.resolve("notes.txt"), "hello".getBytes());
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem));
        assertEquals(file + ": not a kernel image (no bzImage or ELF header)", e.getMessage());
    }

    @Test
    void refusesMissingFileInOneLine() {
        Path file = dir.resolve("absent");
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem));
        assertEquals(file + ": cannot read: NoSuchFileException " + file, e.getMessage());
    }

    @Test
    void refusesOldProtocol() throws IOException {
        TestBzImage image = new TestBzImage();
        image.version = 0x0203;
        assertEquals(dir.resolve("bzImage") + ": boot protocol 2.03 too old: need 2.06 for 64-bit boot", failure(image));
    }

    @Test
    void refusesKernelWithout64BitEntry() throws IOException {
        TestBzImage image = new TestBzImage();
        image.xloadflags = 0x02;
        assertEquals(dir.resolve("bzImage") + ": no 64-bit entry point (xloadflags lacks XLF_KERNEL_64)", failure(image));
    }

    @Test
    void refusesProtocolBeforeXloadflagsExisted() throws IOException {
        TestBzImage image = new TestBzImage();
        image.version = 0x020a;
        assertEquals(dir.resolve("bzImage") + ": no 64-bit entry point (xloadflags lacks XLF_KERNEL_64)", failure(image));
    }

    @Test
    void refusesZImage() throws IOException {
        TestBzImage image = new TestBzImage();
        image.loadflags = 0;
        assertEquals(dir.resolve("bzImage") + ": zImage (loadflags lacks LOADED_HIGH) is not supported", failure(image));
    }

    @Test
    void refusesSetupSectorsPastEndOfFile() throws IOException {
        TestBzImage image = new TestBzImage();
        byte[] bytes = image.build();
        bytes[0x1f1] = (byte) 200; // 100 KiB of setup in a 5.5 KiB file
        Path file = Files.write(dir.resolve("bzImage"), bytes);
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem));
        assertEquals(file + ": truncated: setup sectors extend past end of file", e.getMessage());
    }

    @Test
    void refusesSyssizePastEndOfFile() throws IOException {
        TestBzImage image = new TestBzImage();
        image.syssize = image.kernelBytes / 16 + 1;
        assertEquals(dir.resolve("bzImage") + ": truncated: syssize says 0x3010 kernel bytes, file has 0x3000",
                failure(image));
    }

    @Test
    void refusesFileCutInsideTheHeader() throws IOException {
        byte[] bytes = Arrays.copyOf(new TestBzImage().build(), 0x240);
        Path file = Files.write(dir.resolve("bzImage"), bytes);
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem));
        assertEquals(file + ": truncated: setup header extends past end of file", e.getMessage());
    }

    @Test
    void refusesHeaderWithoutInitSize() throws IOException {
        TestBzImage image = new TestBzImage();
        image.headerEndByte = 0x30; // ends at 0x232, as a 2.0x header does
        assertEquals(dir.resolve("bzImage") + ": setup header ends at 0x232, before init_size at 0x260", failure(image));
    }

    @Test
    void refusesKernelTooLargeForRam() throws IOException {
        TestBzImage image = new TestBzImage();
        image.initSize = 0x400_0000; // 64 MiB at 16 MiB in 64 MiB of RAM
        assertEquals(dir.resolve("bzImage")
                + ": kernel needs 0x4000000 bytes at 0x1000000, guest RAM ends at 0x4000000", failure(image));
    }

    @Test
    void refusesNonPowerOfTwoAlignment() throws IOException {
        TestBzImage image = new TestBzImage();
        image.alignment = 0x30_0000;
        assertEquals(dir.resolve("bzImage") + ": kernel_alignment 0x300000 is not a power of two", failure(image));
    }

    @Test
    void refusesPrefAddressBelow1MiB() throws IOException {
        TestBzImage image = new TestBzImage();
        image.prefAddress = 0x8000;
        assertEquals(dir.resolve("bzImage") + ": pref_address 0x8000 is outside 1 MiB..4 GiB", failure(image));
    }

    @Test
    void refusesImageLargerThanRamAbove1MiB() throws IOException {
        TestBzImage image = new TestBzImage();
        image.relocatable = 0;
        image.kernelBytes = 0x20_0000;
        GuestMemory small = TestMemory.low(2 * MIB);
        Path file = image.write(dir);
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, small));
        assertEquals(file + ": kernel needs 0x200000 bytes at 0x100000, guest RAM ends at 0x200000", e.getMessage());
    }

    @Test
    void refusesEmptyFileAndDirectoryInOneLine() throws IOException {
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(empty, mem));
        assertEquals(empty + ": not a kernel image (no bzImage or ELF header)", e.getMessage());
        Path sub = Files.createDirectory(dir.resolve("sub"));
        e = assertThrows(KernelImageException.class, () -> KernelImage.load(sub, mem));
        assertEquals(sub + ": not a regular file", e.getMessage());
    }

    @Test
    void refusesRamWithoutTheFirstMegabyte() throws IOException {
        Path file = new TestBzImage().write(dir);
        GuestMemory high = TestMemory.regions(0, 0x80000, 2 * MIB, 2 * MIB);
        var e = assertThrows(BootConfigException.class, () -> KernelImage.load(file, high));
        assertEquals("guest has no RAM at 1 MiB to load a kernel into", e.getMessage());
    }
}
