// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.machine;

import java.util.ArrayList;
import java.util.List;
import org.jvmm.vmm.kvm.CpuidEntry;

/**
 * The per-vCPU CPUID table before extensions edit it: KVM_GET_SUPPORTED_CPUID with the fields
 * that identify the vCPU filled in, because KVM leaves them to userspace:
 * leaf 1 EBX[31:24] (initial APIC ID) and EBX[23:16] (logical processors per package), and
 * leaves 0xB / 0x1F EDX (x2APIC ID), as Intel SDM vol. 2A "CPUID" defines them.
 */
final class CpuidTable {
    private CpuidTable() {}

    static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int index, int vcpus) {
        List<CpuidEntry> out = new ArrayList<>(supported.size());
        for (CpuidEntry e : supported) {
            if (e.function() == 1) {
                int ebx = (e.ebx() & 0x0000ffff) | (index << 24) | (Math.min(vcpus, 255) << 16);
                int edx = vcpus > 1 ? e.edx() | (1 << 28) : e.edx(); // HTT: more than one logical CPU
                out.add(e.withRegisters(e.eax(), ebx, e.ecx(), edx));
            } else if (e.function() == 0xb || e.function() == 0x1f) {
                out.add(e.withRegisters(e.eax(), e.ebx(), e.ecx(), index));
            } else {
                out.add(e);
            }
        }
        return out;
    }
}
