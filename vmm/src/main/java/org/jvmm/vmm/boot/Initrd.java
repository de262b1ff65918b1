// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * Places an initrd as high as the kernel allows, as boot.rst recommends: the highest
 * page-aligned address whose last byte is at or below both {@code initrd_addr_max} and the end of
 * RAM, and which stays clear of the kernel's footprint (image plus decompression buffer).
 */
public final class Initrd {
    private static final long PAGE = 4096;

    private Initrd() {}

    /** Where an initrd of {@code size} bytes goes; throws if it does not fit. */
    public static GuestLayout.Range place(Path file, long size, LoadedKernel kernel, GuestMemory mem) {
        if (size <= 0) {
            throw new KernelImageException(file, "initrd is empty");
        }
        long top = Math.min(Math.addExact(kernel.initrdAddrMax(), 1), KernelImage.highRamEnd(mem));
        long bottom = Math.addExact(kernel.footprintEnd(), PAGE - 1) & -PAGE;
        long room = top > bottom ? top - bottom : 0;
        if (size > room) {
            throw new KernelImageException(file, "initrd is 0x%x bytes, only 0x%x fit between the kernel end 0x%x and 0x%x"
                    .formatted(size, room, bottom, top));
        }
        long gpa = (top - size) & -PAGE;
        return new GuestLayout.Range(gpa, size);
    }

    /** Copies the initrd file into guest memory and returns where it went. */
    public static GuestLayout.Range load(Path file, LoadedKernel kernel, GuestMemory mem) {
        KernelImage.requireRegularFile(file);
        try (Arena arena = Arena.ofConfined();
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            GuestLayout.Range at = place(file, size, kernel, mem);
            MemorySegment image = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            mem.write(at.gpa(), image);
            return at;
        } catch (IOException e) {
            throw new KernelImageException(file, "cannot read initrd: " + KernelImage.describe(e));
        }
    }
}
