// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.spi;

import java.util.List;
import org.jvmm.vmm.kvm.CpuidEntry;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * A feature that plugs into the machine without the core knowing it (Hyper-V is the first). Every
 * method has a no-op default; the machine calls them in the order they are declared here, for
 * each extension in the order they were added:
 *
 * <ol>
 *   <li>{@link #vmCreated} once, right after KVM_CREATE_VM, before the irqchip and memory:
 *       per-VM KVM_ENABLE_CAP goes here.</li>
 *   <li>{@link #msrFilter} once, to collect the MSRs that must exit to userspace.</li>
 *   <li>{@link #registerHandlers} once, with the guest memory in place.</li>
 *   <li>for each vCPU, in index order: {@link #vcpuCreated} (per-vCPU KVM_ENABLE_CAP, which
 *       must precede KVM_SET_CPUID2, as QEMU does for Hyper-V), then {@link #contributeCpuid},
 *       then KVM_SET_CPUID2, then {@link #vcpuConfigured} (e.g. MSRs such as VP_INDEX).</li>
 *   <li>{@link #vcpuThreadStarted} on each vCPU's thread when the machine starts.</li>
 *   <li>{@link #census} when the VM's census is taken, after every vCPU loop has returned;
 *       only for a machine built with a census.</li>
 *   <li>{@link #close} when the machine is torn down, after the vCPUs stopped.</li>
 * </ol>
 *
 * A method throwing a {@link org.jvmm.vmm.VmmException} aborts the build with its message.
 */
public interface VmExtension extends AutoCloseable {
    /** Short name for messages. */
    default String name() {
        return getClass().getSimpleName();
    }

    default void vmCreated(Vm vm) {}

    /** MSRs this extension needs to see in userspace even though KVM knows them. */
    default List<MsrFilterRange> msrFilter() {
        return List.of();
    }

    default void registerHandlers(HandlerRegistry registry, GuestMemory memory) {}

    default void vcpuCreated(Vcpu vcpu) {}

    /**
     * Edits the CPUID table of vCPU {@code vcpuIndex} before KVM_SET_CPUID2. {@code entries} starts
     * as KVM_GET_SUPPORTED_CPUID plus earlier extensions' edits and is mutable: add, replace or
     * remove entries.
     */
    default void contributeCpuid(int vcpuIndex, List<CpuidEntry> entries) {}

    default void vcpuConfigured(Vcpu vcpu) {}

    /**
     * On the new thread of {@code vcpu}, before its first KVM_RUN: for what must know the thread
     * that runs the vCPU (a kernel trace filtered by thread id). Must not throw; it runs once per
     * vCPU, on that vCPU's thread, so vCPUs may call it concurrently.
     */
    default void vcpuThreadStarted(Vcpu vcpu) {}

    /**
     * Device objects this extension adds to the DSDT under {@code \_SB} when the machine boots with
     * ACPI tables (AML, e.g. built with {@link org.jvmm.vmm.acpi.Aml}): how a guest's ACPI driver
     * core finds a device that has no other bus. Asked once, while the boot tables are written.
     */
    default List<byte[]> acpiDevices() {
        return List.of();
    }

    /**
     * Adds this extension's counts to the census. Called on the thread taking it, after every
     * vCPU loop has returned: whatever a vCPU thread wrote before its loop returned is visible
     * then (the machine's exit future orders it), so counters owned by vCPU threads need no
     * synchronization; counters other threads update must be safe for concurrent use.
     */
    default void census(CensusSink sink) {}

    @Override
    default void close() {}
}
