// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRegion;

/**
 * Entry point for kernel loading: maps the file read-only, recognises its format by magic and
 * hands it to {@link BzImageLoader} or {@link ElfLoader}. The mapping is gone when this returns.
 * A bzImage with a gzip or XZ payload boots from its decompressed vmlinux in the
 * {@link KernelCache} when that can be had ({@link BzImageLoader#decompressed}).
 */
public final class KernelImage {
    private KernelImage() {}

    /** Loads a bzImage or ELF vmlinux into {@code mem}, with the environment's kernel cache. */
    public static LoadedKernel load(Path file, GuestMemory mem) {
        return load(file, mem, KernelCache.fromEnvironment());
    }

    /** Loads a bzImage or ELF vmlinux into {@code mem}; {@code cache} serves bzImages. */
    public static LoadedKernel load(Path file, GuestMemory mem, KernelCache cache) {
        requireRegularFile(file);
        try (Arena arena = Arena.ofConfined();
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment image = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            if (isElf(image)) {
                return ElfLoader.load(file, image, mem);
            }
            if (isBzImage(image)) {
                Optional<Path> vmlinux = cache.vmlinuxFor(file, image);
                if (vmlinux.isPresent()) {
                    return BzImageLoader.decompressed(image, load(vmlinux.get(), mem, KernelCache.off()));
                }
                return BzImageLoader.load(file, image, mem);
            }
            throw new KernelImageException(file, "not a kernel image (no bzImage or ELF header)");
        } catch (IOException e) {
            throw new KernelImageException(file, "cannot read: " + describe(e));
        }
    }

    /**
     * Copies {@code src} (part of the mapped image) to guest memory at {@code gpa} a chunk at a
     * time, dropping each chunk's file pages from this process once copied (MADV_DONTNEED through
     * {@link MemorySegment#unload}). Otherwise the whole mapped file stays resident until the
     * mapping closes and lifts the VMM's peak RSS by its size: 63 MiB for a vmlinux.
     */
    static void copyReleasing(GuestMemory mem, long gpa, MemorySegment src) {
        for (long done = 0; done < src.byteSize(); done += RELEASE_CHUNK) {
            MemorySegment chunk = src.asSlice(done, Math.min(RELEASE_CHUNK, src.byteSize() - done));
            mem.write(gpa + done, chunk);
            if (chunk.isMapped()) {
                chunk.unload();
            }
        }
    }

    private static final long RELEASE_CHUNK = 1 << 20;

    /** Mapping a directory or device fails with an obscure errno; say what is wrong instead. */
    static void requireRegularFile(Path file) {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new KernelImageException(file, "not a regular file");
        }
    }

    static boolean isElf(MemorySegment image) {
        return image.byteSize() >= 4 && image.get(GuestMemory.LE_INT, 0) == ElfLoader.MAGIC;
    }

    static boolean isBzImage(MemorySegment image) {
        return image.byteSize() >= SetupHeader.HEADER + 4
                && image.get(GuestMemory.LE_INT, SetupHeader.HEADER) == SetupHeader.MAGIC_HDRS;
    }

    /** An IOException as one line: its kind, and its message when that adds anything. */
    static String describe(IOException e) {
        String kind = e.getClass().getSimpleName();
        return e.getMessage() == null ? kind : kind + " " + e.getMessage();
    }

    /**
     * End of the RAM region holding 1 MiB: kernels and initrds go there, below the PCI hole, where
     * the 32-bit fields of the zero page can address them.
     */
    static long highRamEnd(GuestMemory mem) {
        for (GuestRegion r : mem.regions()) {
            if (r.gpa() <= GuestLayout.HIGH_RAM && GuestLayout.HIGH_RAM < r.end()) {
                return Math.min(r.end(), GuestLayout.FOUR_GIB);
            }
        }
        throw new BootConfigException("guest has no RAM at 1 MiB to load a kernel into");
    }
}
