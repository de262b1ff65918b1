// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

/**
 * One GSI routing entry of KVM's table ({@code struct kvm_irq_routing_entry}); several entries may
 * share a GSI (KVM's defaults route ISA GSIs to both the PIC and the IOAPIC). Routes are added
 * through the VM's single {@link GsiRouting}.
 */
public sealed interface IrqRoute {
    int gsi();

    /** Pin {@code pin} of in-kernel irqchip {@code irqchip} (0 master PIC, 1 slave PIC, 2 IOAPIC). */
    record Irqchip(int gsi, int irqchip, int pin) implements IrqRoute {}

    /** Delivered as the MSI {@code address}/{@code data}. */
    record Msi(int gsi, long address, int data) implements IrqRoute {}

    /**
     * Any other KVM routing type, for extensions the core knows nothing of: {@code type} is the
     * KVM_IRQ_ROUTING_* value, {@code word0}/{@code word1} the first two u32s of the entry's union
     * (for KVM_IRQ_ROUTING_HV_SINT: the VP index and the SINT).
     */
    record Other(int gsi, int type, int word0, int word1) implements IrqRoute {}

    static IrqRoute irqchip(int gsi, int irqchip, int pin) {
        return new Irqchip(gsi, irqchip, pin);
    }

    static IrqRoute msi(int gsi, long address, int data) {
        return new Msi(gsi, address, data);
    }
}
