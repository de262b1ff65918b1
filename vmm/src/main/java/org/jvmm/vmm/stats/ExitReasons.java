// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import static org.jvmm.bindings.kvm.kvm_h.*;

import java.util.Map;

/**
 * Names of KVM_EXIT_* reasons for the census, without the prefix. The numbers come from the
 * bindings (linux/kvm.h); a reason missing here is named by its number, never dropped.
 */
public final class ExitReasons {
    private ExitReasons() {}

    public static final int IO = KVM_EXIT_IO();
    public static final int MMIO = KVM_EXIT_MMIO();
    public static final int HLT = KVM_EXIT_HLT();
    public static final int SHUTDOWN = KVM_EXIT_SHUTDOWN();
    public static final int FAIL_ENTRY = KVM_EXIT_FAIL_ENTRY();
    public static final int INTR = KVM_EXIT_INTR();
    public static final int INTERNAL_ERROR = KVM_EXIT_INTERNAL_ERROR();
    public static final int SYSTEM_EVENT = KVM_EXIT_SYSTEM_EVENT();
    public static final int HYPERV = KVM_EXIT_HYPERV();
    public static final int X86_RDMSR = KVM_EXIT_X86_RDMSR();
    public static final int X86_WRMSR = KVM_EXIT_X86_WRMSR();

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(IO, "IO"), Map.entry(MMIO, "MMIO"), Map.entry(HLT, "HLT"),
            Map.entry(SHUTDOWN, "SHUTDOWN"), Map.entry(FAIL_ENTRY, "FAIL_ENTRY"), Map.entry(INTR, "INTR"),
            Map.entry(INTERNAL_ERROR, "INTERNAL_ERROR"), Map.entry(SYSTEM_EVENT, "SYSTEM_EVENT"),
            Map.entry(HYPERV, "HYPERV"), Map.entry(X86_RDMSR, "X86_RDMSR"), Map.entry(X86_WRMSR, "X86_WRMSR"));

    public static String name(int reason) {
        return NAMES.getOrDefault(reason, "UNKNOWN_" + reason);
    }

    /** KVM_EXIT_HYPERV_* types of linux/kvm.h (SYNIC 1, HCALL 2, SYNDBG 3). */
    public static String hypervType(int type) {
        return switch (type) {
            case 1 -> "SYNIC";
            case 2 -> "HCALL";
            case 3 -> "SYNDBG";
            default -> "TYPE_" + type;
        };
    }
}
