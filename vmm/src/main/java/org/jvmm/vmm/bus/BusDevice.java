// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.bus;

/**
 * A device on the port-I/O or MMIO bus. The bus hands it offsets relative to the base of the
 * range it registered, and accesses of 1, 2, 4 or 8 bytes. Values are little-endian and
 * zero-extended into the long. A device never sees an access outside its range, but it must not
 * trust the size or the value: both come from the guest.
 *
 * <p>A device is called from vCPU threads, possibly several at once; devices that keep state
 * synchronize themselves (most use a plain lock, since exits are already slow).
 */
public interface BusDevice {
    /** Returns the value read by a guest access of {@code size} bytes at {@code offset}. */
    long read(long offset, int size);

    /** Handles a guest write of {@code size} bytes at {@code offset}. */
    void write(long offset, int size, long value);
}
