// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.boot.TestMemory.MIB;
import static org.jvmm.vmm.memory.GuestMemory.LE_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.jvmm.vmm.memory.GuestMemory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

class KernelCacheTest {
    private static final byte[] HLT_JMP = {(byte) 0xf4, (byte) 0xeb, (byte) 0xfd};
    /** Where the payload sits in the protected-mode code, as the decompressor's code comes first. */
    private static final int PAYLOAD_AT = 0x200;

    @TempDir
    Path dir;

    private final GuestMemory mem = TestMemory.low(64 * MIB);
    private byte[] vmlinux;
    private Path cacheDir;

    @BeforeEach
    void buildVmlinux() throws Exception {
        vmlinux = Files.readAllBytes(TinyElf.phys(dir));
        cacheDir = dir.resolve("cache");
    }

    /** A bzImage whose protected-mode code holds {@code payload} at PAYLOAD_AT, sized as Linux does. */
    private Path bzImage(String name, byte[] payload, int cmdlineSize) throws IOException {
        TestBzImage t = new TestBzImage();
        t.kernelBytes = (PAYLOAD_AT + payload.length + 15) & ~15; // whole paragraphs, for syssize
        t.cmdlineSize = cmdlineSize;
        byte[] image = t.build();
        int setup = (t.setupSects + 1) * 512;
        MemorySegment m = MemorySegment.ofArray(image);
        m.set(LE_INT, BzImagePayload.PAYLOAD_OFFSET, PAYLOAD_AT);
        m.set(LE_INT, BzImagePayload.PAYLOAD_LENGTH, payload.length);
        System.arraycopy(payload, 0, image, setup + PAYLOAD_AT, payload.length);
        return Files.write(dir.resolve(name), image);
    }

    private static byte[] gzip(byte[] data) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray(); // ends with ISIZE: the decompressed size, as size_append would
    }

    private static byte[] xz(byte[] data) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var xz = new XZOutputStream(out, new LZMA2Options(), XZ.CHECK_CRC32)) {
            xz.write(data);
        }
        return withSize(out.toByteArray(), data.length);
    }

    private static byte[] withSize(byte[] stream, int size) {
        byte[] p = java.util.Arrays.copyOf(stream, stream.length + 4);
        MemorySegment.ofArray(p).set(LE_INT, stream.length, size);
        return p;
    }

    private List<Path> cached(String suffix) throws IOException {
        try (var files = Files.list(cacheDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).toList();
        }
    }

    private void assertBootsTheVmlinux(LoadedKernel k) {
        assertEquals(LoadedKernel.Format.ELF, k.format());
        assertEquals(0x200000L, k.entry());
        assertArrayEquals(HLT_JMP, mem.read(0x200000, 3));
        assertEquals(TinyElf.DATA_MARKER, mem.readLong(0x200003));
    }

    @Test
    void gzipPayloadBootsAsItsVmlinuxWithTheBzImageHeader() throws Exception {
        Path file = bzImage("bzImage", gzip(vmlinux), 1000);
        LoadedKernel k = KernelImage.load(file, mem, KernelCache.at(cacheDir));
        assertBootsTheVmlinux(k);
        assertEquals(1000, k.cmdlineMax(), "cmdline_size comes from the bzImage");
        assertEquals(0x7fff_ffffL, k.initrdAddrMax());
        byte[] header = k.setupHeader();
        assertEquals(0x020f, MemorySegment.ofArray(header).get(GuestMemory.LE_SHORT, SetupHeader.VERSION - SetupHeader.START));
        List<Path> entries = cached(".vmlinux");
        assertEquals(1, entries.size());
        assertArrayEquals(vmlinux, Files.readAllBytes(entries.get(0)));
        assertEquals(1, cached(".ref").size());
        assertEquals(List.of(), cached(".tmp"), "no temporary file left behind");
    }

    @Test
    void xzPayloadBootsAsItsVmlinux() throws Exception {
        Path file = bzImage("bzImage", xz(vmlinux), 2047);
        assertBootsTheVmlinux(KernelImage.load(file, mem, KernelCache.at(cacheDir)));
        assertArrayEquals(vmlinux, Files.readAllBytes(cached(".vmlinux").get(0)));
    }

    @Test
    void entryIsKeyedByThePayloadAndReusedWithoutDecompressing() throws Exception {
        byte[] payload = gzip(vmlinux);
        Path first = bzImage("a", payload, 2047);
        KernelImage.load(first, mem, KernelCache.at(cacheDir));
        Path entry = cached(".vmlinux").get(0);
        assertEquals(KernelCache.sha256(payload) + ".vmlinux", entry.getFileName().toString());
        Files.setLastModifiedTime(entry, FileTime.fromMillis(0));
        KernelImage.load(first, mem, KernelCache.at(cacheDir));
        bzImage("b", payload, 2047); // another file, same payload: same entry
        KernelImage.load(dir.resolve("b"), mem, KernelCache.at(cacheDir));
        assertEquals(List.of(entry), cached(".vmlinux"));
        assertEquals(FileTime.fromMillis(0), Files.getLastModifiedTime(entry), "the entry was not rewritten");
        assertEquals(2, cached(".ref").size());
    }

    @Test
    void aChangedFileIsHashedAgain() throws Exception {
        Path file = bzImage("bzImage", gzip(vmlinux), 2047);
        KernelImage.load(file, mem, KernelCache.at(cacheDir));
        byte[] other = vmlinux.clone();
        other[other.length - 1] ^= 1; // past the segments: boots the same, hashes differently
        bzImage("bzImage", gzip(other), 2047);
        KernelImage.load(file, mem, KernelCache.at(cacheDir));
        assertEquals(2, cached(".vmlinux").size());
    }

    @Test
    void unusableCacheDirectoryBootsTheBzImage() throws Exception {
        Path file = bzImage("bzImage", gzip(vmlinux), 2047);
        Path blocker = Files.writeString(dir.resolve("not-a-dir"), "x");
        LoadedKernel k = KernelImage.load(file, mem, KernelCache.at(blocker.resolve("kernels")));
        assertEquals(LoadedKernel.Format.BZIMAGE, k.format());
    }

    @Test
    void cacheOffBootsTheBzImage() throws Exception {
        Path file = bzImage("bzImage", gzip(vmlinux), 2047);
        assertEquals(LoadedKernel.Format.BZIMAGE, KernelImage.load(file, mem, KernelCache.off()).format());
    }

    @Test
    void otherCompressionBootsTheBzImage() throws Exception {
        byte[] zstd = withSize(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 1, 2, 3, 4}, 100);
        Path file = bzImage("bzImage", zstd, 2047);
        assertEquals(LoadedKernel.Format.BZIMAGE, KernelImage.load(file, mem, KernelCache.at(cacheDir)).format());
        assertTrue(Files.notExists(cacheDir));
    }

    @Test
    void corruptPayloadIsAOneLineErrorNamingTheFile() throws Exception {
        byte[] payload = gzip(vmlinux);
        for (int i = 20; i < 60; i++) {
            payload[i] ^= 0x55;
        }
        Path file = bzImage("bzImage", payload, 2047);
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem, KernelCache.at(cacheDir)));
        assertTrue(e.getMessage().startsWith(file + ": corrupt gzip payload"), e.getMessage());
        assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
        assertEquals(List.of(), cached(".tmp"));
        assertEquals(List.of(), cached(".vmlinux"));
    }

    @Test
    void truncatedXzPayloadIsCorrupt() throws Exception {
        byte[] full = xz(vmlinux);
        byte[] cut = withSize(java.util.Arrays.copyOf(full, full.length / 2), vmlinux.length);
        Path file = bzImage("bzImage", cut, 2047);
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem, KernelCache.at(cacheDir)));
        assertTrue(e.getMessage().startsWith(file + ": corrupt XZ payload"), e.getMessage());
    }

    @Test
    void payloadDecompressingPastItsDeclaredSizeIsCorrupt() throws Exception {
        byte[] payload = gzip(vmlinux);
        MemorySegment.ofArray(payload).set(LE_INT, payload.length - 4, 100); // lies: 100 bytes
        Path file = bzImage("bzImage", payload, 2047);
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem, KernelCache.at(cacheDir)));
        assertTrue(e.getMessage().contains("more than the 100 bytes it declares"), e.getMessage());
    }

    @Test
    void declaredSizeAboveInitSizeIsRefusedBeforeDecompressing() throws Exception {
        byte[] payload = withSize(gzip(vmlinux), 0x7fff_0000); // init_size of TestBzImage: 4 MiB
        Path file = bzImage("bzImage", payload, 2047);
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem, KernelCache.at(cacheDir)));
        assertTrue(e.getMessage().contains("more than the 4194304 it may take"), e.getMessage());
        assertTrue(Files.notExists(cacheDir));
    }

    @Test
    void directoryComesFromTheEnvironment() {
        Path home = Path.of("/home/u");
        assertEquals(home.resolve(".cache/jvmm/kernels"), KernelCache.resolve(Map.of(), "/home/u").directory().orElseThrow());
        assertEquals(Path.of("/x/jvmm/kernels"),
                KernelCache.resolve(Map.of("XDG_CACHE_HOME", "/x"), "/home/u").directory().orElseThrow());
        assertEquals(home.resolve(".cache/jvmm/kernels"),
                KernelCache.resolve(Map.of("XDG_CACHE_HOME", "relative"), "/home/u").directory().orElseThrow());
        assertEquals(Path.of("/k"),
                KernelCache.resolve(Map.of(KernelCache.ENV, "/k", "XDG_CACHE_HOME", "/x"), "/home/u").directory().orElseThrow());
        assertTrue(KernelCache.resolve(Map.of(KernelCache.ENV, "off"), "/home/u").directory().isEmpty());
    }
}
