// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.jvmm.vmm.kvm.MsrEntry;
import org.jvmm.vmm.kvm.Vcpu;

/**
 * The few vCPU ioctls the Hyper-V set-up issues, behind an interface so the order QEMU uses can be
 * checked against a recording fake. {@link #of(Vcpu)} is the real one.
 */
interface HvVcpuPort {
    int index();

    /** KVM_ENABLE_CAP on the vCPU; a KvmException when KVM refuses. */
    void enableCap(int cap, long arg0);

    /**
     * KVM_ENABLE_CAP(KVM_CAP_HYPERV_ENLIGHTENED_VMCS) with {@code args[0]} pointing at a u16 that
     * KVM fills with the supported eVMCS version range; returns that u16.
     */
    int enableEnlightenedVmcs(int cap);

    /** KVM_GET_MSRS of one MSR; empty list result means KVM could not read it. */
    List<MsrEntry> getMsrs(int index);

    /** KVM_SET_MSRS of all entries, or a VmmException naming the refused one. */
    void setMsrs(List<MsrEntry> entries);

    static HvVcpuPort of(Vcpu vcpu) {
        return new HvVcpuPort() {
            @Override
            public int index() {
                return vcpu.index();
            }

            @Override
            public void enableCap(int cap, long arg0) {
                vcpu.enableCap(cap, arg0);
            }

            @Override
            public int enableEnlightenedVmcs(int cap) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment version = a.allocate(ValueLayout.JAVA_SHORT);
                    // Sound: KVM writes exactly a u16 through this pointer before the call returns,
                    // and the arena outlives the call.
                    vcpu.enableCap(cap, version.address());
                    return Short.toUnsignedInt(version.get(ValueLayout.JAVA_SHORT, 0));
                }
            }

            @Override
            public List<MsrEntry> getMsrs(int index) {
                return vcpu.getMsrs(index);
            }

            @Override
            public void setMsrs(List<MsrEntry> entries) {
                vcpu.setMsrs(entries);
            }
        };
    }
}
