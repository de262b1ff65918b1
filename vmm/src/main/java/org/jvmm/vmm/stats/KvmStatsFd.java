// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import java.util.function.IntSupplier;
import org.jvmm.bindings.libc.ErrnoException;
import org.jvmm.vmm.kvm.KvmException;
import org.jvmm.vmm.sys.Posix;

/** Opens a stats fd (KVM_GET_STATS_FD), reads it once with pread, and closes it. */
public final class KvmStatsFd {
    private KvmStatsFd() {}

    /**
     * The stats behind the fd {@code open} returns; {@code what} ("vcpu 0", "vm") names it in
     * messages. Throws {@link KvmStatsException} if KVM has no stats fd or it cannot be read.
     */
    public static KvmStatsParser.Result read(IntSupplier open, String what) {
        int fd;
        try {
            fd = open.getAsInt();
        } catch (KvmException e) {
            throw new KvmStatsException("KVM statistics of " + what + " unavailable: " + e.getMessage(), e);
        }
        try {
            return KvmStatsParser.parse((offset, dst) -> Posix.preadFully(fd, dst, offset, "stats fd of " + what));
        } catch (ErrnoException e) {
            throw new KvmStatsException("KVM statistics of " + what + ": " + e.getMessage(), e);
        } finally {
            Posix.close(fd);
        }
    }
}
