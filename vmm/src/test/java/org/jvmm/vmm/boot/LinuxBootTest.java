// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.boot.TestMemory.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jvmm.vmm.memory.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxBootTest {
    @TempDir
    Path dir;

    @Test
    void prepareWiresEverythingThroughTheZeroPage() throws Exception {
        GuestMemory mem = TestMemory.low(64 * MIB);
        Path kernel = new TestBzImage().write(dir);
        Path initrd = Files.write(dir.resolve("initrd"), new byte[] {1, 2, 3, 4, 5});
        var r = LinuxBoot.prepare(mem, new LinuxBoot.Config(kernel, Optional.of(initrd), "console=ttyS0", 2));

        long zp = GuestLayout.ZERO_PAGE;
        assertEquals(0x20000, mem.readInt(zp + 0x228));
        assertArrayEquals("console=ttyS0\0".getBytes(), mem.read(0x20000, 14));
        assertEquals(64 * MIB - 0x1000, Integer.toUnsignedLong(mem.readInt(zp + 0x218)));
        assertEquals(5, mem.readInt(zp + 0x21c));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, mem.read(64 * MIB - 0x1000, 5));
        assertEquals(3, mem.readByte(zp + 0x1e8));
        assertEquals(0x53726448, mem.readInt(zp + 0x202));
        assertEquals(0x1000000, mem.readInt(zp + 0x214)); // code32_start
        assertEquals("_MP_", new String(mem.read(GuestLayout.MP_TABLE, 4)));
        assertEquals(0x1000200, r.cpu().rip());
        assertEquals(zp, r.cpu().rsi());
        assertEquals(Optional.of(new GuestLayout.Range(64 * MIB - 0x1000, 5)), r.initrd());
    }

    @Test
    void elfKernelBootsWithoutInitrd() throws Exception {
        GuestMemory mem = TestMemory.low(16 * MIB);
        var r = LinuxBoot.prepare(mem, new LinuxBoot.Config(TinyElf.phys(dir), Optional.empty(), "", 1));
        assertEquals(0x200000, r.cpu().rip());
        assertEquals(0, mem.readInt(GuestLayout.ZERO_PAGE + 0x218));
        assertEquals(0, mem.readByte(0x20000));
    }

    @Test
    void refusesCmdlineLongerThanTheKernelTakes() throws Exception {
        TestBzImage image = new TestBzImage();
        image.cmdlineSize = 8;
        Path kernel = image.write(dir);
        var e = assertThrows(BootConfigException.class, () -> LinuxBoot.prepare(TestMemory.low(64 * MIB),
                new LinuxBoot.Config(kernel, Optional.empty(), "console=ttyS0", 1)));
        assertEquals("kernel command line is 13 bytes, the kernel accepts at most 8 (cmdline_size)", e.getMessage());
    }

    @Test
    void refusesTooManyCpus() throws Exception {
        Path kernel = new TestBzImage().write(dir);
        var e = assertThrows(BootConfigException.class, () -> LinuxBoot.prepare(TestMemory.low(64 * MIB),
                new LinuxBoot.Config(kernel, Optional.empty(), "", 255)));
        assertEquals("255 CPUs requested, jvmm boots 1 to 254", e.getMessage());
    }
}
