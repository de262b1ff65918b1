// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.memory.GuestMemory.LE_INT;
import static org.jvmm.vmm.memory.GuestMemory.LE_LONG;
import static org.jvmm.vmm.memory.GuestMemory.LE_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * Loads an uncompressed x86-64 vmlinux (ELF64, ET_EXEC): each PT_LOAD segment goes to its
 * physical address {@code p_paddr}, which is where the kernel was linked to run before paging
 * is its own.
 *
 * <p>The entry point: x86-64 vmlinux links {@code ENTRY(phys_startup_64)}, so {@code e_entry}
 * is already physical. linux-loader uses it as is. A hand-made ELF may give a virtual
 * entry instead; then it is translated through the PT_LOAD segment whose virtual range holds it
 * ({@code p_paddr + (e_entry - p_vaddr)}). An entry in no segment is an error, not a guess.
 */
public final class ElfLoader {
    static final int MAGIC = 0x464c457f; // "\177ELF" little-endian
    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int ELFCLASS64 = 2;
    private static final int ELFDATA2LSB = 1;
    private static final int ET_EXEC = 2;
    private static final int EM_X86_64 = 62;
    private static final int PT_LOAD = 1;

    /** A vmlinux speaks no boot protocol; its command line limit is x86's COMMAND_LINE_SIZE - 1. */
    private static final int CMDLINE_MAX = 2047;
    /** boot.rst's initrd_addr_max of modern kernels; a vmlinux does not say. */
    private static final long INITRD_ADDR_MAX = 0x7fff_ffffL;
    /** LOAD_PHYSICAL_ADDR alignment of a default x86-64 build (CONFIG_PHYSICAL_ALIGN). */
    private static final int KERNEL_ALIGNMENT = 0x100_0000;

    private ElfLoader() {}

    private record Segment(long offset, long vaddr, long paddr, long filesz, long memsz) {}

    public static LoadedKernel load(Path file, MemorySegment image, GuestMemory mem) {
        long fileSize = image.byteSize();
        if (fileSize < EHDR_SIZE || image.get(LE_INT, 0) != MAGIC) {
            throw new KernelImageException(file, fileSize >= 4 && image.get(LE_INT, 0) == MAGIC
                    ? "truncated: ELF header extends past end of file" : "not an ELF file: no \\177ELF magic");
        }
        int elfClass = image.get(ValueLayout.JAVA_BYTE, 4);
        if (elfClass != ELFCLASS64) {
            throw new KernelImageException(file, "ELF class %d is not ELFCLASS64".formatted(elfClass));
        }
        if (image.get(ValueLayout.JAVA_BYTE, 5) != ELFDATA2LSB) {
            throw new KernelImageException(file, "ELF is not little-endian");
        }
        int type = Short.toUnsignedInt(image.get(LE_SHORT, 16));
        int machine = Short.toUnsignedInt(image.get(LE_SHORT, 18));
        if (machine != EM_X86_64) {
            throw new KernelImageException(file, "ELF machine %d is not x86-64 (62)".formatted(machine));
        }
        if (type != ET_EXEC) {
            throw new KernelImageException(file, "ELF type %d is not ET_EXEC (2)".formatted(type));
        }
        long entry = image.get(LE_LONG, 24);
        long phoff = image.get(LE_LONG, 32);
        int phentsize = Short.toUnsignedInt(image.get(LE_SHORT, 54));
        int phnum = Short.toUnsignedInt(image.get(LE_SHORT, 56));
        if (phentsize != PHDR_SIZE) {
            throw new KernelImageException(file, "ELF program header size %d is not %d".formatted(phentsize, PHDR_SIZE));
        }
        if (phoff >= 0 && phoff < EHDR_SIZE) {
            throw new KernelImageException(file, "program headers at 0x%x overlap the ELF header".formatted(phoff));
        }
        if (phoff < 0 || phoff > fileSize || (long) phnum * PHDR_SIZE > fileSize - phoff) {
            throw new KernelImageException(file, "truncated: %d program headers at 0x%x extend past end of file"
                    .formatted(phnum, phoff));
        }
        Segment[] loads = readLoadSegments(file, image, phoff, phnum);
        long ramEnd = KernelImage.highRamEnd(mem);
        for (int i = 0; i < loads.length; i++) {
            check(file, i, loads[i], fileSize, ramEnd);
        }
        long entryPhys = translate(file, entry, loads);

        long start = Long.MAX_VALUE;
        long end = 0;
        for (Segment s : loads) {
            KernelImage.copyReleasing(mem, s.paddr, image.asSlice(s.offset, s.filesz));
            mem.fill(s.paddr + s.filesz, s.memsz - s.filesz, (byte) 0);
            start = Math.min(start, s.paddr);
            end = Math.max(end, s.paddr + s.memsz);
        }
        return new LoadedKernel(file, LoadedKernel.Format.ELF, entryPhys, start, end, end,
                syntheticHeader(), CMDLINE_MAX, INITRD_ADDR_MAX);
    }

    private static Segment[] readLoadSegments(Path file, MemorySegment image, long phoff, int phnum) {
        int count = 0;
        Segment[] all = new Segment[phnum];
        for (int i = 0; i < phnum; i++) {
            long at = phoff + (long) i * PHDR_SIZE;
            if (image.get(LE_INT, at) == PT_LOAD) {
                all[count++] = new Segment(image.get(LE_LONG, at + 8), image.get(LE_LONG, at + 16),
                        image.get(LE_LONG, at + 24), image.get(LE_LONG, at + 32), image.get(LE_LONG, at + 40));
            }
        }
        if (count == 0) {
            throw new KernelImageException(file, "ELF has no PT_LOAD segment");
        }
        return java.util.Arrays.copyOf(all, count);
    }

    private static void check(Path file, int index, Segment s, long fileSize, long ramEnd) {
        String what = "PT_LOAD segment %d".formatted(index);
        if (s.offset < 0 || s.filesz < 0 || s.offset > fileSize || s.filesz > fileSize - s.offset) {
            throw new KernelImageException(file, "truncated: %s (0x%x bytes at file offset 0x%x) extends past end of file"
                    .formatted(what, s.filesz, s.offset));
        }
        if (Long.compareUnsigned(s.filesz, s.memsz) > 0) {
            throw new KernelImageException(file, "%s has p_filesz 0x%x > p_memsz 0x%x".formatted(what, s.filesz, s.memsz));
        }
        if (Long.compareUnsigned(s.paddr, GuestLayout.HIGH_RAM) < 0) {
            throw new KernelImageException(file, "%s at 0x%x overlaps the boot data below 1 MiB".formatted(what, s.paddr));
        }
        if (Long.compareUnsigned(s.paddr, ramEnd) > 0 || Long.compareUnsigned(s.memsz, ramEnd - s.paddr) > 0) {
            throw new KernelImageException(file, "kernel needs 0x%x bytes at 0x%x, guest RAM ends at 0x%x"
                    .formatted(s.memsz, s.paddr, ramEnd));
        }
    }

    private static long translate(Path file, long entry, Segment[] loads) {
        for (Segment s : loads) {
            if (Long.compareUnsigned(entry - s.paddr, s.memsz) < 0) {
                return entry;
            }
        }
        for (Segment s : loads) {
            if (Long.compareUnsigned(entry - s.vaddr, s.memsz) < 0) {
                return s.paddr + (entry - s.vaddr);
            }
        }
        throw new KernelImageException(file, "entry point 0x%x is in no PT_LOAD segment".formatted(entry));
    }

    /** The fields the kernel checks in a header from a loader that had none (as Firecracker does). */
    private static byte[] syntheticHeader() {
        byte[] header = new byte[SetupHeader.AREA_END - SetupHeader.START];
        MemorySegment h = MemorySegment.ofArray(header);
        h.set(LE_SHORT, SetupHeader.BOOT_FLAG - SetupHeader.START, SetupHeader.BOOT_FLAG_VALUE);
        h.set(LE_INT, SetupHeader.HEADER - SetupHeader.START, SetupHeader.MAGIC_HDRS);
        h.set(LE_INT, SetupHeader.KERNEL_ALIGNMENT - SetupHeader.START, KERNEL_ALIGNMENT);
        return header;
    }
}
