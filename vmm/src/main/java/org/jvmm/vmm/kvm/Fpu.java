// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

/**
 * A copy of {@code struct kvm_fpu} (KVM_GET_FPU / KVM_SET_FPU): the x87 registers ({@code fpr},
 * 8 x 16 bytes), control/status/tag words, the last instruction and data pointers, the SSE
 * registers ({@code xmm}, 16 x 16 bytes) and MXCSR.
 */
public record Fpu(byte[] fpr, int fcw, int fsw, int ftwx, int lastOpcode, long lastIp, long lastDp,
                  byte[] xmm, int mxcsr) {
    /** The x87 control word and MXCSR after FNINIT / reset. */
    public static final int FCW_DEFAULT = 0x37f;
    public static final int MXCSR_DEFAULT = 0x1f80;

    public Fpu {
        fpr = fpr.clone();
        xmm = xmm.clone();
    }

    /** The state after reset: default control words, all registers zero. */
    public static Fpu initial() {
        return new Fpu(new byte[128], FCW_DEFAULT, 0, 0, 0, 0, 0, new byte[256], MXCSR_DEFAULT);
    }

    @Override
    public byte[] fpr() {
        return fpr.clone();
    }

    @Override
    public byte[] xmm() {
        return xmm.clone();
    }
}
