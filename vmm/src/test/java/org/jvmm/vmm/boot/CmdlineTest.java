// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CmdlineTest {
    @Test
    void isNulTerminated() {
        Cmdline c = Cmdline.of("console=ttyS0", 255);
        assertEquals(13, c.length());
        assertArrayEquals("console=ttyS0\0".getBytes(), c.bytesWithNul());
    }

    @Test
    void cmdlineSizeExcludesTheNul() {
        assertEquals(4, Cmdline.of("abcd", 4).length());
        var e = assertThrows(BootConfigException.class, () -> Cmdline.of("abcde", 4));
        assertEquals("kernel command line is 5 bytes, the kernel accepts at most 4 (cmdline_size)", e.getMessage());
    }

    @Test
    void countsUtf8Bytes() {
        var e = assertThrows(BootConfigException.class, () -> Cmdline.of("é", 1));
        assertEquals("kernel command line is 2 bytes, the kernel accepts at most 1 (cmdline_size)", e.getMessage());
    }

    @Test
    void refusesAnEmbeddedNul() {
        var e = assertThrows(BootConfigException.class, () -> Cmdline.of("quiet\0init=/bin/sh", 255));
        assertEquals("kernel command line has a NUL byte at offset 5", e.getMessage());
    }

    @Test
    void writesToGuestMemory() {
        var mem = TestMemory.low(TestMemory.MIB);
        mem.fill(0x20000, 16, (byte) 'x');
        Cmdline.of("ro", 10).writeTo(mem, 0x20000);
        assertArrayEquals(new byte[] {'r', 'o', 0, 'x'}, mem.read(0x20000, 4));
    }
}
