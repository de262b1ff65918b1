// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * A kernel command line, checked against the kernel's {@code cmdline_size}: boot.rst defines
 * that as the longest line without the terminating NUL. The kernel reads it as a C string, so a
 * NUL inside would silently cut it short; that is refused instead.
 */
public final class Cmdline {
    private final byte[] text;

    private Cmdline(byte[] text) {
        this.text = text;
    }

    /** Encodes {@code line} as UTF-8 and checks it is at most {@code maxLength} bytes. */
    public static Cmdline of(String line, int maxLength) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new BootConfigException("kernel command line has a NUL byte at offset " + i);
            }
        }
        if (bytes.length > maxLength) {
            throw new BootConfigException("kernel command line is %d bytes, the kernel accepts at most %d (cmdline_size)"
                    .formatted(bytes.length, maxLength));
        }
        return new Cmdline(bytes);
    }

    /** Length without the NUL. */
    public int length() {
        return text.length;
    }

    /** The bytes as they go to guest memory, NUL-terminated. */
    public byte[] bytesWithNul() {
        return Arrays.copyOf(text, text.length + 1);
    }

    public void writeTo(GuestMemory mem, long gpa) {
        mem.write(gpa, bytesWithNul());
    }

    @Override
    public String toString() {
        return new String(text, StandardCharsets.UTF_8);
    }
}
