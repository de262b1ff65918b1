// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.exit;

import java.lang.foreign.MemorySegment;

/**
 * Why KVM_RUN returned, decoded from {@code kvm_run} by {@link ExitDecoder}. One record per
 * {@code KVM_EXIT_*} reason the VMM acts on; every other reason is {@link Unknown}, never an error,
 * so an extension can still claim it. Values are copies, except the fields named as offsets into
 * {@code kvm_run}, which the loop reads and writes in place (PIO data, Hyper-V exit).
 */
public sealed interface VcpuExit {

    /** Direction of a port access, as {@code KVM_EXIT_IO_IN}/{@code _OUT} in linux/kvm.h. */
    int IO_IN = 0;
    int IO_OUT = 1;

    /**
     * KVM_EXIT_IO: {@code count} accesses of {@code size} bytes to {@code port}; the data lies in
     * {@code kvm_run} at {@code dataOffset}, {@code size * count} bytes, one element per access.
     * All four are guest-influenced: the loop checks them against the mapping before use.
     */
    record Io(int port, int size, int direction, int count, long dataOffset) implements VcpuExit {
        public boolean isOut() {
            return direction == IO_OUT;
        }
    }

    /**
     * KVM_EXIT_MMIO: an access of {@code size} bytes at guest-physical {@code gpa} that no memory
     * slot backs. For a write, {@code data} holds the value (little-endian, zero-extended).
     */
    record Mmio(long gpa, int size, boolean isWrite, long data) implements VcpuExit {}

    /** KVM_EXIT_HLT: the guest executed HLT and no in-kernel irqchip is there to wake it. */
    record Hlt() implements VcpuExit {}

    /** KVM_EXIT_SHUTDOWN: a triple fault or other shutdown condition; the vCPU cannot go on. */
    record Shutdown() implements VcpuExit {}

    /**
     * KVM_EXIT_SYSTEM_EVENT: the guest asked for {@code type} (KVM_SYSTEM_EVENT_SHUTDOWN 1,
     * _RESET 2, _CRASH 3, ...); {@code flags} is the first data word.
     */
    record SystemEvent(int type, long flags) implements VcpuExit {
        public static final int SHUTDOWN = 1;
        public static final int RESET = 2;
        public static final int CRASH = 3;
    }

    /** KVM_EXIT_INTERNAL_ERROR: KVM could not emulate something; {@code data} is its detail. */
    record InternalError(int suberror, long[] data) implements VcpuExit {}

    /** KVM_EXIT_FAIL_ENTRY: the hardware refused VM entry with {@code reason} on host cpu {@code cpu}. */
    record FailEntry(long reason, int cpu) implements VcpuExit {}

    /** KVM_EXIT_X86_RDMSR: the guest read MSR {@code index}; {@code reason} is KVM_MSR_EXIT_REASON_*. */
    record MsrRead(int index, int reason) implements VcpuExit {}

    /** KVM_EXIT_X86_WRMSR: the guest wrote {@code value} to MSR {@code index}. */
    record MsrWrite(int index, long value, int reason) implements VcpuExit {}

    /**
     * KVM_EXIT_HYPERV: a SynIC or hypercall exit of {@code type} (KVM_EXIT_HYPERV_SYNIC 1,
     * _HCALL 2, _SYNDBG 3). {@code hyperv} is the {@code kvm_run.hyperv} slice, so the handler
     * reads the parameters and writes the hypercall result in place; it is valid until the next
     * KVM_RUN of this vCPU.
     */
    record Hyperv(int type, MemorySegment hyperv) implements VcpuExit {}

    /** KVM_RUN returned EINTR: a kick (signal or immediate_exit), not a guest event. */
    record Interrupted() implements VcpuExit {}

    /** Any other KVM_EXIT_* value; extensions may claim it, otherwise the vCPU stops loudly. */
    record Unknown(int reason) implements VcpuExit {}

    /** Shared instances of the exits without data, so decoding them allocates nothing. */
    Hlt HLT = new Hlt();
    Shutdown SHUTDOWN = new Shutdown();
    Interrupted INTERRUPTED = new Interrupted();
}
