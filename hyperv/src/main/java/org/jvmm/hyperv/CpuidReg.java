// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

/** The four output registers of a CPUID leaf. */
public enum CpuidReg {
    EAX, EBX, ECX, EDX
}
