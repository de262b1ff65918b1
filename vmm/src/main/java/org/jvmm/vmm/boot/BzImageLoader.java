// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.boot.SetupHeader.*;
import static org.jvmm.vmm.memory.GuestMemory.LE_INT;
import static org.jvmm.vmm.memory.GuestMemory.LE_LONG;
import static org.jvmm.vmm.memory.GuestMemory.LE_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * Loads the protected-mode part of a bzImage for the 64-bit boot protocol (boot.rst, "64-bit
 * BOOT PROTOCOL"): the vCPU starts in long mode at load address + 0x200, and the real-mode setup
 * code is never run, so only its header is kept (for the zero page).
 *
 * <p>Where: a relocatable kernel goes to {@code pref_address} when its {@code init_size} fits
 * there. That is where it would decompress itself anyway (head_64.S picks
 * max(aligned load address, LOAD_PHYSICAL_ADDR)), so the image and its decompression buffer share
 * one range and the initrd can start right after it. Anything else goes to 0x100000, the
 * traditional address, and its decompression buffer at {@code pref_address} must fit too.
 */
public final class BzImageLoader {
    private static final int SECTOR = 512;
    private static final int ENTRY_64_OFFSET = 0x200;

    private BzImageLoader() {}

    /** Parses {@code image} (the whole file) and copies its kernel into {@code mem}. */
    public static LoadedKernel load(Path file, MemorySegment image, GuestMemory mem) {
        long fileSize = image.byteSize();
        if (fileSize < HEADER + 4 || image.get(LE_INT, HEADER) != MAGIC_HDRS) {
            throw new KernelImageException(file, "not a bzImage: no HdrS magic");
        }
        if (fileSize < VERSION + 2) {
            throw new KernelImageException(file, "truncated: setup header ends at 0x%x".formatted(fileSize));
        }
        int version = Short.toUnsignedInt(image.get(LE_SHORT, VERSION));
        if (version < MIN_VERSION) {
            throw new KernelImageException(file, "boot protocol %s too old: need %s for 64-bit boot"
                    .formatted(version(version), version(MIN_VERSION)));
        }
        int headerEnd = HEADER + Byte.toUnsignedInt(image.get(ValueLayout.JAVA_BYTE, JUMP + 1));
        if (headerEnd < READ_END) {
            throw new KernelImageException(file, "setup header ends at 0x%x, before init_size at 0x%x"
                    .formatted(headerEnd, INIT_SIZE));
        }
        if (fileSize < headerEnd) {
            throw new KernelImageException(file, "truncated: setup header extends past end of file");
        }
        long setupBytes = setupBytes(image);
        if (setupBytes >= fileSize) {
            throw new KernelImageException(file, "truncated: setup sectors extend past end of file");
        }
        long kernelBytes = fileSize - setupBytes;
        long syssize = Integer.toUnsignedLong(image.get(LE_INT, SYSSIZE)) * 16;
        if (syssize > kernelBytes) {
            throw new KernelImageException(file, "truncated: syssize says 0x%x kernel bytes, file has 0x%x"
                    .formatted(syssize, kernelBytes));
        }
        int loadflags = Byte.toUnsignedInt(image.get(ValueLayout.JAVA_BYTE, LOADFLAGS));
        if ((loadflags & LOADED_HIGH) == 0) {
            throw new KernelImageException(file, "zImage (loadflags lacks LOADED_HIGH) is not supported");
        }
        int xloadflags = Short.toUnsignedInt(image.get(LE_SHORT, XLOADFLAGS));
        if (version < 0x020c || (xloadflags & XLF_KERNEL_64) == 0) {
            throw new KernelImageException(file, "no 64-bit entry point (xloadflags lacks XLF_KERNEL_64)");
        }
        long initSize = Integer.toUnsignedLong(image.get(LE_INT, INIT_SIZE));
        long prefAddress = image.get(LE_LONG, PREF_ADDRESS);
        long alignment = Integer.toUnsignedLong(image.get(LE_INT, KERNEL_ALIGNMENT));
        boolean relocatable = image.get(ValueLayout.JAVA_BYTE, RELOCATABLE_KERNEL) != 0;
        if (prefAddress < GuestLayout.HIGH_RAM || prefAddress >= GuestLayout.FOUR_GIB) {
            throw new KernelImageException(file, "pref_address 0x%x is outside 1 MiB..4 GiB".formatted(prefAddress));
        }
        if (relocatable && (alignment == 0 || Long.bitCount(alignment) != 1)) {
            throw new KernelImageException(file, "kernel_alignment 0x%x is not a power of two".formatted(alignment));
        }
        long ramEnd = KernelImage.highRamEnd(mem);
        long decompressSize = Math.max(initSize, kernelBytes);

        long loadAddress;
        long bufferStart;
        if (relocatable && prefAddress % alignment == 0 && fits(prefAddress, decompressSize, ramEnd)) {
            loadAddress = prefAddress;
            bufferStart = prefAddress;
        } else {
            loadAddress = GuestLayout.HIGH_RAM;
            bufferStart = relocatable ? Math.max(alignUp(loadAddress, alignment), prefAddress) : prefAddress;
        }
        long loadEnd = Math.addExact(loadAddress, kernelBytes);
        long footprintEnd = Math.max(loadEnd, Math.addExact(bufferStart, initSize));
        if (footprintEnd > ramEnd) {
            boolean imageFits = loadEnd <= ramEnd;
            throw new KernelImageException(file, "kernel needs 0x%x bytes at 0x%x, guest RAM ends at 0x%x".formatted(
                    imageFits ? initSize : kernelBytes, imageFits ? bufferStart : loadAddress, ramEnd));
        }
        KernelImage.copyReleasing(mem, loadAddress, image.asSlice(setupBytes, kernelBytes));
        return withSetupHeader(image, file, LoadedKernel.Format.BZIMAGE, loadAddress + ENTRY_64_OFFSET,
                loadAddress, loadEnd, footprintEnd);
    }

    /** Bytes before the protected-mode code: the boot sector plus setup_sects sectors (0 means 4). */
    static long setupBytes(MemorySegment image) {
        int setupSects = Byte.toUnsignedInt(image.get(ValueLayout.JAVA_BYTE, SETUP_SECTS));
        return (long) (setupSects == 0 ? 4 : setupSects) * SECTOR + SECTOR;
    }

    /**
     * {@code elf}, the decompressed payload of bzImage {@code image}, already in guest memory, with
     * the bzImage's own setup header for the zero page and its limits (cmdline_size,
     * initrd_addr_max) instead of the ones a bare vmlinux gets. The header must be one
     * {@link BzImagePayload#find} accepted (protocol 2.08 or later, header through init_size).
     */
    static LoadedKernel decompressed(MemorySegment image, LoadedKernel elf) {
        return withSetupHeader(image, elf.file(), elf.format(), elf.entry(), elf.loadStart(), elf.loadEnd(),
                elf.footprintEnd());
    }

    /**
     * The kernel loaded at {@code loadStart}, with {@code image}'s setup header for the zero page
     * (code32_start set to {@code loadStart}) and the limits it declares: cmdline_size and
     * initrd_addr_max. The header must already be checked to end at or after init_size and
     * within the file.
     */
    private static LoadedKernel withSetupHeader(MemorySegment image, Path file, LoadedKernel.Format format,
            long entry, long loadStart, long loadEnd, long footprintEnd) {
        int headerEnd = HEADER + Byte.toUnsignedInt(image.get(ValueLayout.JAVA_BYTE, JUMP + 1));
        byte[] header = image.asSlice(START, Math.min(headerEnd, AREA_END) - START).toArray(ValueLayout.JAVA_BYTE);
        MemorySegment.ofArray(header).set(LE_INT, CODE32_START - START, (int) loadStart);
        int cmdlineMax = (int) Math.min(Integer.toUnsignedLong(image.get(LE_INT, CMDLINE_SIZE)), Integer.MAX_VALUE);
        long initrdMax = Integer.toUnsignedLong(image.get(LE_INT, INITRD_ADDR_MAX));
        return new LoadedKernel(file, format, entry, loadStart, loadEnd, footprintEnd, header, cmdlineMax, initrdMax);
    }

    private static boolean fits(long start, long size, long ramEnd) {
        return start <= ramEnd && size <= ramEnd - start;
    }

    private static long alignUp(long value, long alignment) {
        return Math.addExact(value, alignment - 1) & -alignment;
    }
}
