// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

/**
 * What the value a guest writes to a counted MSR tells, where it tells something (an ICR write's
 * delivery mode, destination and vector; a TPR's priority): the census then counts writes by
 * class as well as by MSR ({@code jvmm run --count-msrs}, group {@value CountedMsrs#DATA_GROUP}).
 * The core gives MSRs no meaning; whoever knows them (the Hyper-V module for its vAPIC MSRs)
 * implements this.
 *
 * <p>Called on the vCPU thread for every counted write, so {@link #classify} must be cheap and
 * allocation-free: it returns a small number, and only the census turns numbers into text.
 */
public interface MsrDataClasses {
    /** Records nothing. */
    MsrDataClasses NONE = new MsrDataClasses() {
        @Override
        public int classify(int msr, long value) {
            return -1;
        }

        @Override
        public String describe(int msr, int dataClass) {
            return "";
        }
    };

    /** The class of {@code value} written to {@code msr}: 0 to 0xFFFFFF, or -1 to record nothing. */
    int classify(int msr, long value);

    /** The census key for {@code dataClass} of {@code msr}, without the MSR index. */
    String describe(int msr, int dataClass);
}
