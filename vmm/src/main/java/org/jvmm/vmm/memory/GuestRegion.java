// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One contiguous piece of guest RAM: guest-physical address {@code gpa} maps to byte 0 of
 * {@code host}. The host segment's size is the region's size.
 */
public record GuestRegion(long gpa, MemorySegment host) {
    public GuestRegion {
        Objects.requireNonNull(host, "host");
        if (gpa < 0 || host.byteSize() <= 0 || gpa + host.byteSize() < 0) {
            throw new IllegalArgumentException(
                    "bad guest region gpa 0x%x size 0x%x".formatted(gpa, host.byteSize()));
        }
    }

    public long size() {
        return host.byteSize();
    }

    /** First guest-physical address after the region. */
    public long end() {
        return gpa + host.byteSize();
    }

    boolean contains(long address, long length) {
        return address >= gpa && length >= 0 && length <= size() && address - gpa <= size() - length;
    }
}
