// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jvmm.vmm.spi.CensusSink;
import org.jvmm.vmm.stats.CounterMap;

/**
 * Hypercalls that reached userspace, per vCPU, by call code and result status, for
 * {@code jvmm run --stats} (group {@value #GROUP}).
 *
 * <p>Each vCPU's counts live in a map only that vCPU's thread writes (hypercall exits are handled
 * on the thread of the vCPU that made them), so counting takes no lock. The table of maps is
 * concurrent only so that a vCPU can add its own; the maps are read by {@link #report} once the
 * vCPU loops have ended, which the census contract orders after every write
 * ({@link org.jvmm.vmm.spi.VmExtension#census}).
 */
public final class HcallCensus {
    static final String GROUP = "hv-hypercall";

    private final Map<Integer, CounterMap> perVcpu = new ConcurrentHashMap<>();

    /** Call {@code code} on vCPU {@code vcpu} returned {@code status}. On that vCPU's thread. */
    void count(int vcpu, int code, int status) {
        perVcpu.computeIfAbsent(vcpu, v -> new CounterMap()).increment((long) (code & 0xFFFF) << 16 | (status & 0xFFFF));
    }

    /** Adds the counts to {@code sink}: key "0x005c PostMessage: 0x0000 SUCCESS". */
    public void report(CensusSink sink) {
        perVcpu.forEach((vcpu, counts) -> {
            counts.forEach((key, n) -> sink.add(vcpu, GROUP, describe((int) (key >>> 16), (int) (key & 0xFFFF)), n));
            sink.add(vcpu, GROUP, "other", counts.overflow());
        });
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
