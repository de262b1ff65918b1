// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.sys.HostFaults;

/**
 * Found by fault injection: a host that refuses guest RAM (mmap ENOMEM, memfd EMFILE) raised the
 * bindings' ErrnoException, which the CLI reports as an internal error (exit 70); it is a
 * VmmException (one line, exit 1) naming the size and the call. No KVM needed.
 */
class GuestRamFaultsTest {
    @Test
    void guestRamTheHostRefusesIsAVmmException() throws Exception {
        try (AutoCloseable plan = HostFaults.install((call, what) -> call == HostFaults.Call.MMAP ? 12 : 0)) {
            VmmException e = assertThrows(VmmException.class, () -> GuestRam.allocate(64L << 20));
            assertEquals("cannot allocate 64 MiB of guest RAM: mmap(0x4000000 bytes) failed: ENOMEM (12) Cannot allocate memory",
                    e.getMessage());
        }
        try (AutoCloseable plan = HostFaults.install((call, what) -> call == HostFaults.Call.MEMFD ? 24 : 0)) {
            VmmException e = assertThrows(VmmException.class, () -> GuestRam.allocate(2L << 20, GuestRam.Backing.MEMFD));
            assertEquals("cannot allocate 2 MiB of guest RAM: memfd_create(jvmm-ram) failed: EMFILE (24) Too many open files",
                    e.getMessage());
        }
        GuestRam.allocate(1L << 20).close(); // nothing installed: the real calls again
    }
}
