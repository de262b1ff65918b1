// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import java.util.List;
import java.util.ListIterator;
import org.jvmm.vmm.kvm.CpuidEntry;
import org.jvmm.vmm.spi.VmExtension;

/**
 * CPUID topology for a guest of N vCPUs presented as one package of N single-threaded cores, on
 * top of what the machine builder already fills in (leaf 1 APIC ID and logical count, leaf
 * 0xB/0x1F x2APIC ID). KVM_GET_SUPPORTED_CPUID passes the host's cache and topology leaves
 * through, which would describe the host's core count instead. Added as the first extension, so
 * extensions added by the caller (Hyper-V) still see and may edit the result.
 *
 * <ul>
 *   <li>Leaf 1 ECX[31]: the hypervisor bit (see {@link #HYPERVISOR}).</li>
 *   <li>Leaf 4 (deterministic cache parameters, Intel SDM vol. 2A): EAX[31:26] = cores per package
 *       - 1; EAX[25:14] = logical processors sharing the cache - 1: one for L1/L2, all for L3.</li>
 *   <li>Leaf 0xB and 0x1F (extended topology): sub-leaf 0 is the SMT level (1 thread, shift 0),
 *       sub-leaf 1 the core level (N, shift = bits needed for N), higher sub-leaves invalid.</li>
 *   <li>Leaf 0x8000_0008 ECX[7:0] (AMD: number of cores - 1); Linux reads it on AMD hosts.</li>
 * </ul>
 */
final class LinuxCpuid implements VmExtension {
    /**
     * Leaf 1 ECX bit 31, "running under a hypervisor". KVM leaves it to userspace; without it
     * Linux never reads the KVM leaves at 0x4000_0000, so it has no kvm-clock, cannot calibrate
     * the TSC, and boots seconds slower on jiffies.
     */
    static final int HYPERVISOR = 1 << 31;

    private final int vcpus;

    LinuxCpuid(int vcpus) {
        this.vcpus = vcpus;
    }

    @Override
    public String name() {
        return "linux-cpuid";
    }

    @Override
    public void contributeCpuid(int vcpuIndex, List<CpuidEntry> entries) {
        for (ListIterator<CpuidEntry> it = entries.listIterator(); it.hasNext(); ) {
            CpuidEntry e = it.next();
            it.set(switch (e.function()) {
                case 1 -> e.withRegisters(e.eax(), e.ebx(), e.ecx() | HYPERVISOR, e.edx());
                case 4 -> cacheLeaf(e);
                case 0xb, 0x1f -> topologyLeaf(e, vcpuIndex);
                case 0x8000_0008 -> e.withRegisters(e.eax(), e.ebx(), (e.ecx() & ~0xff) | (vcpus - 1), e.edx());
                default -> e;
            });
        }
    }

    private CpuidEntry cacheLeaf(CpuidEntry e) {
        int type = e.eax() & 0x1f;
        if (type == 0) {
            return e; // no more caches
        }
        int level = (e.eax() >>> 5) & 0x7;
        int sharing = level >= 3 ? vcpus - 1 : 0;
        int eax = (e.eax() & 0x3fff) | (sharing & 0xfff) << 14 | ((vcpus - 1) & 0x3f) << 26;
        return e.withRegisters(eax, e.ebx(), e.ecx(), e.edx());
    }

    private CpuidEntry topologyLeaf(CpuidEntry e, int apicId) {
        return switch (e.index()) {
            case 0 -> e.withRegisters(0, 1, 1 << 8, apicId); // SMT level: one thread per core
            case 1 -> e.withRegisters(shiftFor(vcpus), vcpus, 2 << 8 | 1, apicId); // core level
            default -> e.withRegisters(0, 0, e.index(), apicId); // level type 0: invalid
        };
    }

    /** Bits of the APIC ID that number cores: ceil(log2(n)). */
    static int shiftFor(int n) {
        return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
    }
}
