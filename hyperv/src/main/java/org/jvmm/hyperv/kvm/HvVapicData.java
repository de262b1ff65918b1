// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import org.jvmm.vmm.stats.MsrDataClasses;

/**
 * What a guest writes to the Hyper-V virtual-APIC MSRs, by class, for the census of
 * {@code jvmm run --count-msrs hv-vapic}: HV_X64_MSR_ICR (0x40000071) by delivery mode,
 * destination shorthand and mode, destination and vector (an IPI's kind: Linux's reschedule IPI
 * is vector 0xfd, its call-function IPIs 0xfb/0xfc); HV_X64_MSR_TPR (0x40000072) by the priority
 * written; HV_X64_MSR_VP_ASSIST_PAGE (0x40000073) by whether the page is enabled, which decides
 * whether EOIs can be skipped (EOI assist). An EOI write carries no information (the value is
 * ignored), so HV_X64_MSR_EOI is only counted, not classified.
 *
 * <p>The ICR MSR holds the xAPIC ICR's two halves as one value (TLFS "Virtual Processor
 * Interrupt Control"; Linux's hv_apic_icr_write puts the xAPIC destination field in the upper
 * half): vector in bits 0-7, delivery mode 8-10, destination mode 11, shorthand 18-19, and the
 * 8-bit destination in bits 56-63.
 */
public final class HvVapicData implements MsrDataClasses {
    public static final HvVapicData INSTANCE = new HvVapicData();
    static final int ICR = 0x40000071;
    static final int TPR = 0x40000072;
    static final int VP_ASSIST_PAGE = 0x40000073;
    private static final String[] MODES = {"Fixed", "LowPrio", "SMI", "Res3", "NMI", "INIT", "SIPI", "ExtINT"};
    private static final String[] SHORTHANDS = {"", "self", "all", "all-but-self"};

    private HvVapicData() {}

    @Override
    public int classify(int msr, long value) {
        return switch (msr) {
            case ICR -> {
                int shorthand = (int) (value >>> 18) & 3;
                int dest = shorthand == 0 ? (int) (value >>> 56) & 0xFF : 0;
                yield (int) (value & 0xFF) | (int) (value >>> 8 & 7) << 8 | (int) (value >>> 11 & 1) << 11
                        | shorthand << 12 | dest << 14;
            }
            case TPR -> value > 0xFF ? 0x100 : (int) value;
            case VP_ASSIST_PAGE -> (int) (value & 1);
            default -> -1;
        };
    }

    @Override
    public String describe(int msr, int c) {
        return switch (msr) {
            case ICR -> {
                int shorthand = c >>> 12 & 3;
                String to = shorthand != 0 ? SHORTHANDS[shorthand]
                        : ((c >>> 11 & 1) == 0 ? "phys dest " : "logical dest ") + "0x%02x".formatted(c >>> 14 & 0xFF);
                yield "ICR %s %s vec 0x%02x".formatted(MODES[c >>> 8 & 7], to, c & 0xFF);
            }
            case TPR -> c > 0xFF ? "TPR above 0xff" : "TPR 0x%02x".formatted(c);
            case VP_ASSIST_PAGE -> "VP_ASSIST_PAGE " + (c == 1 ? "enable" : "disable");
            default -> "";
        };
    }
}
