// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.memory;

import org.jvmm.vmm.VmmException;

/** A guest-physical access that is not wholly inside one RAM region. Never touches host memory. */
public final class GuestMemoryException extends VmmException {
    private final long gpa;
    private final long length;

    public GuestMemoryException(long gpa, long length) {
        super("guest-physical range 0x%x+0x%x is outside guest RAM".formatted(gpa, length));
        this.gpa = gpa;
        this.length = length;
    }

    /** The guest-physical address of the refused access (as an unsigned 64-bit value). */
    public long gpa() {
        return gpa;
    }

    public long length() {
        return length;
    }
}
