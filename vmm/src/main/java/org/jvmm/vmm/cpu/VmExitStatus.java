// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import java.util.Optional;

/**
 * How a vCPU (and with it the VM) stopped running: {@code reason}, the vCPU that saw it, a
 * one-line {@code detail}, and the exception when the reason is {@link Reason#FAILED}.
 */
public record VmExitStatus(Reason reason, int vcpu, String detail, Throwable failure) {

    public enum Reason {
        /** The vCPU executed HLT with no irqchip to wake it; the VM ends when all vCPUs have. */
        HALTED,
        /** KVM_EXIT_SHUTDOWN: triple fault. */
        SHUTDOWN,
        /** KVM_SYSTEM_EVENT_SHUTDOWN: the guest powered off (e.g. ACPI, PSCI). */
        POWER_OFF,
        /** KVM_SYSTEM_EVENT_RESET: the guest asked for a reboot. */
        RESET,
        /** KVM_SYSTEM_EVENT_CRASH: the guest reported a crash. */
        CRASH,
        /** The host stopped the VM (a kick, then {@code stop}). */
        STOPPED,
        /** A {@link VcpuException} or other error ended the vCPU; see {@code failure}. */
        FAILED;

        /** True for the reasons that end the whole VM, not just one vCPU. */
        public boolean endsVm() {
            return this != HALTED;
        }
    }

    public static VmExitStatus of(Reason reason, int vcpu, String detail) {
        return new VmExitStatus(reason, vcpu, detail, null);
    }

    public static VmExitStatus failed(int vcpu, Throwable failure) {
        return new VmExitStatus(Reason.FAILED, vcpu, String.valueOf(failure.getMessage()), failure);
    }

    public Optional<Throwable> failureCause() {
        return Optional.ofNullable(failure);
    }

    @Override
    public String toString() {
        return "%s on vcpu %d: %s".formatted(reason, vcpu, detail);
    }
}
