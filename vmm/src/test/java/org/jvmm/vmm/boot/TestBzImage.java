// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.memory.GuestMemory.LE_INT;
import static org.jvmm.vmm.memory.GuestMemory.LE_LONG;
import static org.jvmm.vmm.memory.GuestMemory.LE_SHORT;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds a synthetic bzImage: real-mode sectors holding a setup header with the fields the loader
 * reads, then a protected-mode "kernel" of recognisable bytes (its index modulo 251). The defaults
 * describe a modern relocatable kernel (protocol 2.15, 16 MiB pref_address, 2 MiB alignment).
 */
final class TestBzImage {
    int setupSects = 4;
    int version = 0x020f;
    int loadflags = 0x01;
    int xloadflags = 0x03;
    int relocatable = 1;
    int alignment = 0x20_0000;
    long prefAddress = 0x100_0000;
    int initSize = 0x40_0000;
    int cmdlineSize = 2047;
    int initrdAddrMax = 0x7fff_ffff;
    int headerEndByte = 0x6a; // jump offset: header ends at 0x26c, like Linux 6.x
    int kernelBytes = 0x3000;
    Integer syssize; // null: derived from kernelBytes

    byte[] build() {
        int setup = ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        byte[] image = new byte[setup + kernelBytes];
        MemorySegment m = MemorySegment.ofArray(image);
        image[SetupHeader.SETUP_SECTS] = (byte) setupSects;
        m.set(LE_INT, SetupHeader.SYSSIZE, syssize != null ? syssize : (kernelBytes + 15) / 16);
        m.set(LE_SHORT, SetupHeader.BOOT_FLAG, (short) 0xaa55);
        image[SetupHeader.JUMP] = (byte) 0xeb;
        image[SetupHeader.JUMP + 1] = (byte) headerEndByte;
        m.set(LE_INT, SetupHeader.HEADER, SetupHeader.MAGIC_HDRS);
        m.set(LE_SHORT, SetupHeader.VERSION, (short) version);
        image[SetupHeader.LOADFLAGS] = (byte) loadflags;
        m.set(LE_INT, SetupHeader.INITRD_ADDR_MAX, initrdAddrMax);
        m.set(LE_INT, SetupHeader.KERNEL_ALIGNMENT, alignment);
        image[SetupHeader.RELOCATABLE_KERNEL] = (byte) relocatable;
        m.set(LE_SHORT, SetupHeader.XLOADFLAGS, (short) xloadflags);
        m.set(LE_INT, SetupHeader.CMDLINE_SIZE, cmdlineSize);
        m.set(LE_LONG, SetupHeader.PREF_ADDRESS, prefAddress);
        m.set(LE_INT, SetupHeader.INIT_SIZE, initSize);
        for (int i = 0; i < kernelBytes; i++) {
            image[setup + i] = (byte) (i % 251);
        }
        return image;
    }

    Path write(Path dir) throws IOException {
        return Files.write(dir.resolve("bzImage"), build());
    }
}
