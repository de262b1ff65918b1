// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

/**
 * One GSI routing entry for KVM_SET_GSI_ROUTING: GSI {@code gsi} goes either to pin {@code pin}
 * of in-kernel irqchip {@code irqchip} (0 = master PIC, 1 = slave PIC, 2 = IOAPIC), or, for an
 * MSI route, is delivered as the message {@code msiAddress}/{@code msiData}.
 */
public record IrqRoute(int gsi, boolean msi, int irqchip, int pin, long msiAddress, int msiData) {
    public static IrqRoute irqchip(int gsi, int irqchip, int pin) {
        return new IrqRoute(gsi, false, irqchip, pin, 0, 0);
    }

    public static IrqRoute msi(int gsi, long address, int data) {
        return new IrqRoute(gsi, true, 0, 0, address, data);
    }
}
