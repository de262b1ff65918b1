// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import java.lang.foreign.MemorySegment;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * One SynIC page (message or event flags) behaving like QEMU's overlay RAM region on top of
 * ordinary guest RAM: the page has its own contents (zero after reset) that appear at the GPA the
 * guest chose; the RAM underneath is saved while the page covers it and comes back when the page
 * moves away or is disabled, and the page's contents travel with it. A GPA whose 4 KiB are not
 * wholly guest RAM cannot be covered (QEMU would overlay it anyway; KVM has no memory slot there),
 * so the page is then unmapped. Not thread-safe: {@link Synic} serializes access.
 */
final class OverlayPage {
    static final int SIZE = 4096;

    private final GuestMemory memory;
    private final byte[] contents = new byte[SIZE];
    private byte[] underneath;
    private long gpa;

    OverlayPage(GuestMemory memory) {
        this.memory = memory;
    }

    /** Covers {@code newGpa} (page aligned; 0 = unmapped), or nothing if it is not RAM. */
    void moveTo(long newGpa) {
        if (newGpa == gpa) {
            return;
        }
        unmap();
        if (newGpa != 0 && memory.isRam(newGpa, SIZE)) {
            underneath = memory.read(newGpa, SIZE);
            memory.write(newGpa, contents);
            gpa = newGpa;
        }
    }

    private void unmap() {
        if (gpa != 0) {
            memory.read(gpa, contents);
            memory.write(gpa, underneath);
            underneath = null;
            gpa = 0;
        }
    }

    /** Where the page is mapped, 0 if nowhere. */
    long gpa() {
        return gpa;
    }

    /** The mapped page as guest RAM, or null when unmapped. */
    MemorySegment segment() {
        return gpa == 0 ? null : memory.slice(gpa, SIZE);
    }

    /** Unmaps and zeroes the page, as a QEMU SynIC reset does. */
    void reset() {
        unmap();
        java.util.Arrays.fill(contents, (byte) 0);
    }
}
