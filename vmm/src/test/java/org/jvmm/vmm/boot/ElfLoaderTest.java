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
import java.util.function.Consumer;
import org.jvmm.vmm.memory.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfLoaderTest {
    private static final byte[] HLT_JMP = {(byte) 0xf4, (byte) 0xeb, (byte) 0xfd};

    @TempDir
    Path dir;

    private final GuestMemory mem = TestMemory.low(8 * MIB);

    @Test
    void loadsSegmentsAtTheirPhysicalAddressAndZeroesBss() throws Exception {
        Path elf = TinyElf.phys(dir);
        mem.fill(0x200000, 0x4000, (byte) 0x5a); // stale bytes the .bss must clear
        LoadedKernel k = KernelImage.load(elf, mem);
        assertEquals(LoadedKernel.Format.ELF, k.format());
        assertEquals(0x200000L, k.entry());
        assertArrayEquals(HLT_JMP, mem.read(0x200000, 3));
        assertEquals(TinyElf.DATA_MARKER, mem.readLong(0x200003));
        assertArrayEquals(new byte[8192], mem.read(0x20000b, 8192));
        assertEquals(0x200000L, k.loadStart());
        assertEquals(0x20000bL + 8192, k.loadEnd());
    }

    @Test
    void translatesAVirtualEntryThroughItsSegment() throws Exception {
        LoadedKernel k = KernelImage.load(TinyElf.virt(dir), mem);
        assertEquals(0x200000L, k.entry());
        assertArrayEquals(HLT_JMP, mem.read(0x200000, 3));
        assertEquals(TinyElf.DATA_MARKER, mem.readLong(0x201000));
        assertEquals(0x201008L + 8192, k.loadEnd());
    }

    @Test
    void synthesisesTheSetupHeaderFieldsTheKernelChecks() throws Exception {
        LoadedKernel k = KernelImage.load(TinyElf.phys(dir), mem);
        MemorySegment h = MemorySegment.ofArray(k.setupHeader());
        assertEquals((short) 0xaa55, h.get(GuestMemory.LE_SHORT, 0x1fe - 0x1f1));
        assertEquals(0x53726448, h.get(GuestMemory.LE_INT, 0x202 - 0x1f1));
        assertEquals(2047, k.cmdlineMax());
    }

    private String failure(Consumer<MemorySegment> patch) throws Exception {
        byte[] bytes = Files.readAllBytes(TinyElf.phys(dir));
        patch.accept(MemorySegment.ofArray(bytes));
        Path file = Files.write(dir.resolve("patched.elf"), bytes);
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem));
        String prefix = file + ": ";
        assertEquals(prefix, e.getMessage().substring(0, prefix.length()));
        return e.getMessage().substring(prefix.length());
    }

    private static final long PH = 64; // the linker puts the program headers right after the ELF header

    @Test
    void refuses32BitElf() throws Exception {
        assertEquals("ELF class 1 is not ELFCLASS64", failure(m -> m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 4, (byte) 1)));
    }

    @Test
    void refusesOtherMachines() throws Exception {
        assertEquals("ELF machine 183 is not x86-64 (62)", failure(m -> m.set(GuestMemory.LE_SHORT, 18, (short) 183)));
    }

    @Test
    void refusesSharedObjects() throws Exception {
        assertEquals("ELF type 3 is not ET_EXEC (2)", failure(m -> m.set(GuestMemory.LE_SHORT, 16, (short) 3)));
    }

    @Test
    void refusesProgramHeadersPastEndOfFile() throws Exception {
        assertEquals("truncated: 1000 program headers at 0x40 extend past end of file",
                failure(m -> m.set(GuestMemory.LE_SHORT, 56, (short) 1000)));
    }

    @Test
    void refusesProgramHeadersInsideTheElfHeader() throws Exception {
        assertEquals("program headers at 0x10 overlap the ELF header", failure(m -> m.set(GuestMemory.LE_LONG, 32, 0x10L)));
    }

    @Test
    void refusesProgramHeaderOffsetBeyondTheFile() throws Exception {
        assertEquals("truncated: 1 program headers at 0xffffffffffffff00 extend past end of file",
                failure(m -> m.set(GuestMemory.LE_LONG, 32, -256L)));
    }

    @Test
    void refusesSegmentPastEndOfFile() throws Exception {
        assertEquals("truncated: PT_LOAD segment 0 (0x100000 bytes at file offset 0x1000) extends past end of file",
                failure(m -> m.set(GuestMemory.LE_LONG, PH + 32, 0x100000L)));
    }

    @Test
    void refusesFileszAboveMemsz() throws Exception {
        assertEquals("PT_LOAD segment 0 has p_filesz 0xb > p_memsz 0x4",
                failure(m -> m.set(GuestMemory.LE_LONG, PH + 40, 4L)));
    }

    @Test
    void refusesSegmentInTheBootArea() throws Exception {
        assertEquals("PT_LOAD segment 0 at 0x7000 overlaps the boot data below 1 MiB",
                failure(m -> m.set(GuestMemory.LE_LONG, PH + 24, 0x7000L)));
    }

    @Test
    void refusesSegmentBeyondRam() throws Exception {
        assertEquals("kernel needs 0x200b bytes at 0x7ff000, guest RAM ends at 0x800000",
                failure(m -> m.set(GuestMemory.LE_LONG, PH + 24, 0x7ff000L)));
    }

    @Test
    void refusesHugeMemszWithoutOverflow() throws Exception {
        assertEquals("kernel needs 0xfffffffffffffff0 bytes at 0x200000, guest RAM ends at 0x800000",
                failure(m -> m.set(GuestMemory.LE_LONG, PH + 40, -16L)));
    }

    @Test
    void refusesEntryOutsideEverySegment() throws Exception {
        assertEquals("entry point 0x300000 is in no PT_LOAD segment",
                failure(m -> m.set(GuestMemory.LE_LONG, 24, 0x300000L)));
    }

    @Test
    void refusesElfWithoutLoadSegments() throws Exception {
        assertEquals("ELF has no PT_LOAD segment", failure(m -> m.set(GuestMemory.LE_INT, PH, 4)));
    }

    @Test
    void refusesTruncatedHeader() throws IOException {
        Path file = Files.write(dir.resolve("cut.elf"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1});
        var e = assertThrows(KernelImageException.class, () -> KernelImage.load(file, mem));
        assertEquals(file + ": truncated: ELF header extends past end of file", e.getMessage());
    }
}
