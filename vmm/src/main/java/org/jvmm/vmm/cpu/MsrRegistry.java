// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import java.util.Arrays;
import java.util.Objects;
import org.jvmm.vmm.bus.BusException;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.spi.MsrAnswer;
import org.jvmm.vmm.spi.MsrHandler;

/**
 * MSR handlers by index range, for the MSR accesses KVM sends to userspace. Ranges never overlap
 * (refused at registration). An MSR nobody handles answers {@link MsrAnswer#FAULT}: the guest gets
 * #GP, as it would on hardware without that MSR. MSR indexes are unsigned 32-bit.
 */
public final class MsrRegistry {
    private record Range(long first, long count, MsrHandler handler, String name) {
        long end() {
            return first + count;
        }
    }

    private volatile Range[] ranges = new Range[0];

    /** Registers {@code handler} for MSRs {@code [first, first+count)} (first unsigned). */
    public synchronized void register(int first, int count, MsrHandler handler, String name) {
        Objects.requireNonNull(handler, "handler");
        long lo = Integer.toUnsignedLong(first);
        if (count <= 0 || lo + count > 0x1_0000_0000L) {
            throw new BusException("MSR range 0x%x+%d for %s is empty or past 0xffffffff"
                    .formatted(lo, count, name));
        }
        Range added = new Range(lo, count, handler, name);
        for (Range r : ranges) {
            if (added.first < r.end() && r.first < added.end()) {
                throw new BusException("MSR range [0x%x, 0x%x) of %s overlaps [0x%x, 0x%x) of %s"
                        .formatted(added.first, added.end(), name, r.first, r.end(), r.name));
            }
        }
        Range[] next = Arrays.copyOf(ranges, ranges.length + 1);
        next[next.length - 1] = added;
        Arrays.sort(next, (a, b) -> Long.compare(a.first, b.first));
        ranges = next;
    }

    /** True if some handler owns MSR {@code index}. */
    public boolean isHandled(int index) {
        return find(index) != null;
    }

    public boolean isEmpty() {
        return ranges.length == 0;
    }

    /** The answer to RDMSR {@code index} on {@code vcpu}. */
    public MsrAnswer read(Vcpu vcpu, int index) {
        Range r = find(index);
        return r == null ? MsrAnswer.FAULT : Objects.requireNonNull(r.handler.read(vcpu, index), r.name);
    }

    /** The answer to WRMSR {@code index} = {@code value} on {@code vcpu}. */
    public MsrAnswer write(Vcpu vcpu, int index, long value) {
        Range r = find(index);
        return r == null ? MsrAnswer.FAULT : Objects.requireNonNull(r.handler.write(vcpu, index, value), r.name);
    }

    private Range find(int index) {
        long msr = Integer.toUnsignedLong(index);
        Range[] rs = ranges;
        int lo = 0;
        int hi = rs.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Range r = rs[mid];
            if (msr < r.first) {
                hi = mid - 1;
            } else if (msr >= r.end()) {
                lo = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }
}
