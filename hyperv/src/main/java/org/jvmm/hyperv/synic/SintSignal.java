// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

/**
 * How a {@link SintRoute} interrupts the guest: in KVM, an eventfd bound by KVM_IRQFD to a GSI
 * whose route is KVM_IRQ_ROUTING_HV_SINT; in tests, anything that counts.
 */
public interface SintSignal extends AutoCloseable {
    /** Raises the SINT (KVM injects its vector if the guest unmasked it). */
    void raise();

    /** Releases the GSI and file descriptors; the route no longer raises anything. */
    @Override
    void close();

    /** For a route created while the SynIC was off: QEMU sets up no GSI and raising does nothing. */
    SintSignal NONE = new SintSignal() {
        @Override
        public void raise() {}

        @Override
        public void close() {}
    };
}
