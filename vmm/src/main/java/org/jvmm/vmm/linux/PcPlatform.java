// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import static org.jvmm.bindings.kvm.kvm_h.KVM_PIT_SPEAKER_DUMMY;

import java.util.List;
import org.jvmm.vmm.kvm.Fpu;
import org.jvmm.vmm.kvm.MsrEntry;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.memory.X86Layout;
import org.jvmm.vmm.spi.VmExtension;

/**
 * The parts of a PC that live inside KVM, set up the way a BIOS would leave them for Linux.
 *
 * <p>Per VM: the identity-map and TSS pages, the in-kernel PICs, IOAPIC and local APICs, and the
 * PIT created with {@code KVM_PIT_SPEAKER_DUMMY}, so KVM also answers port 0x61 (the speaker and
 * PIT gate port Linux pokes while calibrating the TSC) instead of sending each access to us. The
 * machine builder is told {@code irqchip(false)} and this extension does the same steps itself,
 * because the builder creates the PIT without flags. It must be the last extension to see
 * {@code vmCreated}: others' per-VM capabilities come before the irqchip, as the builder promises.
 *
 * <p>Per vCPU: the x87/SSE state FNINIT leaves, the MTRR default type write-back with MTRRs on
 * (MSR 0x2FF = 0x806, what Firecracker sets; without it Linux maps all memory uncached), and the
 * local APIC's LINT0 as ExtINT and LINT1 as NMI, the virtual-wire setup the MP specification
 * (section 3.6.2.2) expects a BIOS to leave, so PIC interrupts reach the BSP before the IOAPIC
 * is programmed.
 */
final class PcPlatform implements VmExtension {
    static final int MSR_MTRR_DEF_TYPE = 0x2ff;
    /** MTRRdefType: E (bit 11) enables MTRRs, type 6 is write-back (Intel SDM vol. 3, 12.11.2.1). */
    static final long MTRR_ENABLE_WRITE_BACK = (1L << 11) | 6;

    /** Local vector table entries in the KVM_GET_LAPIC page (Intel SDM vol. 3, table 11-1). */
    static final int APIC_LVT_LINT0 = 0x350;
    static final int APIC_LVT_LINT1 = 0x360;
    static final int DELIVERY_MODE_MASK = 0x700;
    static final int DELIVERY_NMI = 0x400;
    static final int DELIVERY_EXTINT = 0x700;

    @Override
    public String name() {
        return "pc-platform";
    }

    @Override
    public void vmCreated(Vm vm) {
        vm.setIdentityMapAddr(X86Layout.IDENTITY_MAP_ADDR);
        vm.setTssAddr(X86Layout.TSS_ADDR);
        vm.createIrqchip();
        vm.createPit2(KVM_PIT_SPEAKER_DUMMY());
    }

    @Override
    public void vcpuConfigured(Vcpu vcpu) {
        vcpu.setFpu(Fpu.initial());
        vcpu.setMsrs(List.of(new MsrEntry(MSR_MTRR_DEF_TYPE, MTRR_ENABLE_WRITE_BACK)));
        byte[] lapic = vcpu.getLapic();
        setDeliveryMode(lapic, APIC_LVT_LINT0, DELIVERY_EXTINT);
        setDeliveryMode(lapic, APIC_LVT_LINT1, DELIVERY_NMI);
        vcpu.setLapic(lapic);
    }

    static void setDeliveryMode(byte[] lapic, int register, int mode) {
        int v = (lapic[register] & 0xff) | (lapic[register + 1] & 0xff) << 8
                | (lapic[register + 2] & 0xff) << 16 | (lapic[register + 3] & 0xff) << 24;
        v = (v & ~DELIVERY_MODE_MASK) | mode;
        for (int i = 0; i < 4; i++) {
            lapic[register + i] = (byte) (v >>> (8 * i));
        }
    }
}
