// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import org.jvmm.vmm.boot.BootCpuState;
import org.jvmm.vmm.boot.SegmentState;
import org.jvmm.vmm.kvm.DescriptorTable;
import org.jvmm.vmm.kvm.Regs;
import org.jvmm.vmm.kvm.Segment;
import org.jvmm.vmm.kvm.Sregs;
import org.jvmm.vmm.kvm.Vcpu;

/**
 * Puts the boot vCPU into the state {@link BootCpuState} describes: KVM_GET_SREGS, replace
 * segments, tables, CR0/CR3/CR4 and EFER (keeping CR2, CR8, the APIC base and the pending
 * interrupt bitmap KVM reported), KVM_SET_SREGS, then KVM_SET_REGS with RIP, RSI, RSP and RFLAGS
 * and every other general register zero.
 */
final class BootRegisters {
    private BootRegisters() {}

    static void apply(Vcpu vcpu, BootCpuState s) {
        Sregs now = vcpu.getSregs();
        vcpu.setSregs(new Sregs(
                segment(s.cs()), segment(s.ds()), segment(s.es()), segment(s.fs()), segment(s.gs()),
                segment(s.ss()), segment(s.tr()), segment(s.ldt()),
                new DescriptorTable(s.gdt().base(), s.gdt().limit()),
                new DescriptorTable(s.idt().base(), s.idt().limit()),
                s.cr0(), now.cr2(), s.cr3(), s.cr4(), now.cr8(), s.efer(), now.apicBase(),
                now.interruptBitmap()));
        vcpu.setRegs(new Regs(0, 0, 0, 0, s.rsi(), 0, s.rsp(), 0, 0, 0, 0, 0, 0, 0, 0, 0, s.rip(), s.rflags()));
    }

    static Segment segment(SegmentState s) {
        return new Segment(s.base(), s.limit(), s.selector(), s.type(), bit(s.present()), s.dpl(),
                bit(s.db()), bit(s.s()), bit(s.l()), bit(s.g()), bit(s.avl()), bit(s.unusable()));
    }

    private static int bit(boolean b) {
        return b ? 1 : 0;
    }
}
