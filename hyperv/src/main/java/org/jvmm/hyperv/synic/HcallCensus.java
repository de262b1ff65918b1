// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import java.util.Arrays;
import org.jvmm.vmm.spi.CensusSink;
import org.jvmm.vmm.stats.CounterMap;

/**
 * Hypercalls that reached userspace, per vCPU, by call code and result status, for
 * {@code jvmm run --stats} (group {@value #GROUP}).
 *
 * <p>Each vCPU's counts live in a map only that vCPU's thread writes (hypercall exits are handled
 * on the thread of the vCPU that made them), so counting takes no lock. The table of maps is
 * copied on write only so that a vCPU can add its own; the maps are read by {@link #report} once
 * the vCPU loops have ended, which the census contract orders after every write
 * ({@link org.jvmm.vmm.spi.VmExtension#census}). Counting is on every hypercall exit, so it
 * costs one volatile read and the map's increment.
 */
public final class HcallCensus {
    static final String GROUP = "hv-hypercall";

    /**
     * Index = vCPU. Replaced, never changed in place, when a vCPU beyond its end first counts (under
     * this object's lock); the volatile read is all a count costs once its vCPU has a map.
     */
    private volatile CounterMap[] perVcpu = new CounterMap[0];

    /** Call {@code code} on vCPU {@code vcpu} returned {@code status}. On that vCPU's thread. */
    void count(int vcpu, int code, int status) {
        CounterMap[] maps = perVcpu;
        CounterMap m = vcpu >= 0 && vcpu < maps.length ? maps[vcpu] : null;
        if (m == null) {
            m = add(vcpu);
        }
        m.increment((long) (code & 0xFFFF) << 16 | (status & 0xFFFF));
    }

    private synchronized CounterMap add(int vcpu) {
        if (vcpu < 0) {
            throw new IllegalArgumentException("vCPU index " + vcpu);
        }
        CounterMap[] maps = perVcpu;
        if (vcpu < maps.length && maps[vcpu] != null) {
            return maps[vcpu];
        }
        CounterMap[] grown = Arrays.copyOf(maps, Math.max(maps.length, vcpu + 1));
        grown[vcpu] = new CounterMap();
        perVcpu = grown;
        return grown[vcpu];
    }

    /** Adds the counts to {@code sink}: key "0x005c PostMessage: 0x0000 SUCCESS". */
    public void report(CensusSink sink) {
        CounterMap[] maps = perVcpu;
        for (int vcpu = 0; vcpu < maps.length; vcpu++) {
            CounterMap counts = maps[vcpu];
            if (counts == null) {
                continue;
            }
            int v = vcpu;
            counts.forEach((key, n) -> sink.add(v, GROUP, describe((int) (key >>> 16), (int) (key & 0xFFFF)), n));
            sink.add(vcpu, GROUP, "other", counts.overflow());
        }
    }

    static String describe(int code, int status) {
        String call = switch (code) {
            case HvExitHandler.HVCALL_POST_MESSAGE -> "PostMessage";
            case HvExitHandler.HVCALL_SIGNAL_EVENT -> "SignalEvent";
            case HvExitHandler.HVCALL_POST_DEBUG_DATA -> "PostDebugData";
            case HvExitHandler.HVCALL_RETRIEVE_DEBUG_DATA -> "RetrieveDebugData";
            case HvExitHandler.HVCALL_RESET_DEBUG_SESSION -> "ResetDebugSession";
            default -> "unknown";
        };
        return "0x%04x %s: 0x%04x %s".formatted(code, call, status, HvStatus.name(status));
    }
}
