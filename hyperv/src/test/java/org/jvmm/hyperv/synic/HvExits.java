// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.jvmm.bindings.kvm.kvm_hyperv_exit;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRegion;

/** Fabricated {@code struct kvm_hyperv_exit} segments, filled through the bindings' setters, and RAM. */
final class HvExits {
    private HvExits() {}

    /** {@code size} bytes of zeroed, page-aligned native guest RAM at GPA 0. */
    static GuestMemory ram(long size) {
        return GuestMemory.of(List.of(new GuestRegion(0, Arena.ofAuto().allocate(size, 4096))));
    }

    /** {@code size} bytes of zeroed guest RAM at {@code gpa}, nothing elsewhere. */
    static GuestMemory ramAt(long gpa, long size) {
        return GuestMemory.of(List.of(new GuestRegion(gpa, Arena.ofAuto().allocate(size, 4096))));
    }

    static MemorySegment hcall(long input, long param0, long param1) {
        MemorySegment hv = Arena.ofAuto().allocate(kvm_hyperv_exit.layout());
        kvm_hyperv_exit.type(hv, 2);
        MemorySegment c = kvm_hyperv_exit.u.hcall(kvm_hyperv_exit.u(hv));
        kvm_hyperv_exit.u.hcall.input(c, input);
        kvm_hyperv_exit.u.hcall.result(c, 0xDEADBEEFCAFEL); // KVM leaves garbage; we must overwrite all 64 bits
        kvm_hyperv_exit.u.hcall.params(c, 0, param0);
        kvm_hyperv_exit.u.hcall.params(c, 1, param1);
        return hv;
    }

    static long result(MemorySegment hv) {
        return kvm_hyperv_exit.u.hcall.result(kvm_hyperv_exit.u.hcall(kvm_hyperv_exit.u(hv)));
    }

    static MemorySegment synic(int msr, long control, long evtPage, long msgPage) {
        MemorySegment hv = Arena.ofAuto().allocate(kvm_hyperv_exit.layout());
        kvm_hyperv_exit.type(hv, 1);
        MemorySegment s = kvm_hyperv_exit.u.synic(kvm_hyperv_exit.u(hv));
        kvm_hyperv_exit.u.synic.msr(s, msr);
        kvm_hyperv_exit.u.synic.control(s, control);
        kvm_hyperv_exit.u.synic.evt_page(s, evtPage);
        kvm_hyperv_exit.u.synic.msg_page(s, msgPage);
        return hv;
    }

    static MemorySegment syndbg(int msr, long control) {
        MemorySegment hv = Arena.ofAuto().allocate(kvm_hyperv_exit.layout());
        kvm_hyperv_exit.type(hv, 3);
        MemorySegment d = kvm_hyperv_exit.u.syndbg(kvm_hyperv_exit.u(hv));
        kvm_hyperv_exit.u.syndbg.msr(d, msr);
        kvm_hyperv_exit.u.syndbg.control(d, control);
        kvm_hyperv_exit.u.syndbg.status(d, 0x1234);
        return hv;
    }

    static long syndbgStatus(MemorySegment hv) {
        return kvm_hyperv_exit.u.syndbg.status(kvm_hyperv_exit.u.syndbg(kvm_hyperv_exit.u(hv)));
    }

    /** A PostMessage input at {@code gpa}. */
    static void postInput(GuestMemory m, long gpa, int connectionId, int type, int size, byte[] payload) {
        m.writeInt(gpa, connectionId);
        m.writeInt(gpa + 4, 0);
        m.writeInt(gpa + 8, type);
        m.writeInt(gpa + 12, size);
        m.write(gpa + 16, payload);
    }
}
