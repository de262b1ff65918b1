// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.bus;

/**
 * An interrupt line a device drives, such as ISA IRQ 4 for COM1. With the in-kernel irqchip it is
 * backed by KVM_IRQ_LINE; tests back it with a recorder. Devices raise and lower it like a wire.
 */
public interface IrqLine {
    void set(boolean level);

    /** An edge: raise then lower, for devices that signal by pulse. */
    default void pulse() {
        set(true);
        set(false);
    }
}
