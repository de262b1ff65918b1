// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.machine;

import static org.jvmm.bindings.kvm.kvm_h.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.bus.Bus;
import org.jvmm.vmm.cpu.ExitRouting;
import org.jvmm.vmm.cpu.MsrRegistry;
import org.jvmm.vmm.cpu.VcpuLoop;
import org.jvmm.vmm.cpu.VcpuTaskQueue;
import org.jvmm.vmm.kvm.CpuidEntry;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.memory.GuestRam;
import org.jvmm.vmm.memory.HotplugArea;
import org.jvmm.vmm.memory.X86Layout;
import org.jvmm.vmm.spi.ExitHandler;
import org.jvmm.vmm.spi.HandlerRegistry;
import org.jvmm.vmm.spi.MsrFilterRange;
import org.jvmm.vmm.spi.MsrHandler;
import org.jvmm.vmm.spi.VcpuTasks;
import org.jvmm.vmm.spi.VmExtension;

/**
 * Builds a {@link Machine}. Creation order, which {@link #build()} follows:
 *
 * <ol>
 *   <li>open /dev/kvm, KVM_CREATE_VM;</li>
 *   <li>extensions' {@code vmCreated} (per-VM capabilities come before anything they affect);</li>
 *   <li>with an irqchip: identity map and TSS addresses, KVM_CREATE_IRQCHIP and the PC's GSI
 *       routing (KVM_SET_GSI_ROUTING), KVM_CREATE_PIT2
 *       (all before the first vCPU, as KVM requires);</li>
 *   <li>guest RAM mapped and registered as memory slots;</li>
 *   <li>handlers: the builder's, then each extension's {@code registerHandlers};</li>
 *   <li>if any MSR handler or filter range exists: KVM_CAP_X86_USER_SPACE_MSR (exit on unknown
 *       and filtered MSRs), then KVM_X86_SET_MSR_FILTER with the collected ranges;</li>
 *   <li>per vCPU, in index order: KVM_CREATE_VCPU and kvm_run mapped, extensions'
 *       {@code vcpuCreated}, CPUID from KVM_GET_SUPPORTED_CPUID with the vCPU's APIC ID, then
 *       extensions' {@code contributeCpuid}, KVM_SET_CPUID2, extensions' {@code vcpuConfigured}.</li>
 * </ol>
 *
 * If a step fails, everything built so far is released and the step's exception propagates.
 */
public final class MachineBuilder {
    private long memorySize = 64L << 20;
    private long maxMemorySize;
    private GuestRam.Backing backing = GuestRam.Backing.ANONYMOUS;
    private int vcpus = 1;
    private boolean irqchip = true;
    private boolean userSpaceMsrs;
    private boolean census;
    private String device = Kvm.DEVICE;
    private final List<VmExtension> extensions = new ArrayList<>();
    private final List<MsrFilterRange> msrFilter = new ArrayList<>();
    private final List<ExitHandler> exitHandlers = new ArrayList<>();
    private MsrRegistry msrs = new MsrRegistry();

    MachineBuilder() {}

    /** Bytes of guest RAM (default 64 MiB), laid out by {@link X86Layout}. */
    public MachineBuilder memorySize(long bytes) {
        this.memorySize = bytes;
        return this;
    }

    /**
     * The most RAM the guest may have while it runs (0, the default, or {@link #memorySize}: it
     * cannot grow). Above the boot size, extensions find a {@link HotplugArea} in their
     * {@link HandlerRegistry} to add memory with.
     */
    public MachineBuilder maxMemorySize(long bytes) {
        this.maxMemorySize = bytes;
        return this;
    }

    public MachineBuilder backing(GuestRam.Backing backing) {
        this.backing = Objects.requireNonNull(backing);
        return this;
    }

    public MachineBuilder vcpus(int count) {
        if (count < 1 || count > 255) {
            throw new VmmException("vCPU count must be 1..255, got " + count);
        }
        this.vcpus = count;
        return this;
    }

    /**
     * With the in-kernel irqchip and PIT (default) HLT and the interrupt controllers stay inside
     * KVM; without, HLT exits to the loop, which tiny test guests rely on.
     */
    public MachineBuilder irqchip(boolean enabled) {
        this.irqchip = enabled;
        return this;
    }

    /** Enables KVM_CAP_X86_USER_SPACE_MSR even with no MSR handler (unknown MSRs then #GP via the loop). */
    public MachineBuilder userSpaceMsrs(boolean enabled) {
        this.userSpaceMsrs = enabled;
        return this;
    }

    /**
     * With a census, each vCPU loop counts its exits and {@link Machine#census()} reports them
     * with KVM's statistics at the VM's end; without (default), the loop counts nothing.
     */
    public MachineBuilder census(boolean enabled) {
        this.census = enabled;
        return this;
    }

    /** The KVM device to open (default /dev/kvm). */
    public MachineBuilder device(String path) {
        this.device = Objects.requireNonNull(path);
        return this;
    }

    public MachineBuilder extension(VmExtension extension) {
        extensions.add(Objects.requireNonNull(extension));
        return this;
    }

    /** MSRs that exit to userspace even though KVM handles them. */
    public MachineBuilder msrFilter(MsrFilterRange range) {
        msrFilter.add(Objects.requireNonNull(range));
        return this;
    }

    public MachineBuilder msrHandler(int first, int count, MsrHandler handler, String name) {
        msrs.register(first, count, handler, name);
        return this;
    }

    public MachineBuilder exitHandler(ExitHandler handler) {
        exitHandlers.add(Objects.requireNonNull(handler));
        return this;
    }

    public Machine build() {
        Teardown undo = new Teardown();
        List<Runnable> undoSteps = new ArrayList<>();
        try {
            return build(undoSteps);
        } catch (RuntimeException e) {
            for (int i = undoSteps.size() - 1; i >= 0; i--) {
                undo.run(undoSteps.get(i));
            }
            try {
                undo.rethrow();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private Machine build(List<Runnable> undo) {
        Kvm kvm = Kvm.open(device);
        undo.add(kvm::close);
        Vm vm = kvm.createVm();
        undo.add(vm::close);
        for (VmExtension ext : extensions) {
            ext.vmCreated(vm);
        }
        if (irqchip) {
            vm.setIdentityMapAddr(X86Layout.IDENTITY_MAP_ADDR);
            vm.setTssAddr(X86Layout.TSS_ADDR);
            vm.createIrqchip();
            vm.createPit2(0);
        }
        GuestRam ram = GuestRam.allocate(memorySize, backing);
        undo.add(ram::close);
        ram.register(vm);
        undo.add(ram::unregister);
        Optional<HotplugArea> hotplug = maxMemorySize > memorySize
                ? Optional.of(HotplugArea.after(ram, memorySize, maxMemorySize))
                : Optional.empty();

        // The queues exist before the vCPUs so extensions can hold on to them from the start.
        List<VcpuTaskQueue> taskQueues = new ArrayList<>();
        for (int i = 0; i < vcpus; i++) {
            taskQueues.add(new VcpuTaskQueue(i));
        }
        VcpuTasks vcpuTasks = Machine.vcpuTasks(taskQueues);
        HandlerRegistry registry = new HandlerRegistry() {
            @Override
            public void msrHandler(int first, int count, MsrHandler handler, String name) {
                msrs.register(first, count, handler, name);
            }

            @Override
            public void exitHandler(ExitHandler handler) {
                exitHandlers.add(Objects.requireNonNull(handler));
            }

            @Override
            public VcpuTasks vcpuTasks() {
                return vcpuTasks;
            }

            @Override
            public Optional<HotplugArea> memoryHotplug() {
                return hotplug;
            }
        };
        List<MsrFilterRange> filter = new ArrayList<>(msrFilter);
        for (VmExtension ext : extensions) {
            ext.registerHandlers(registry, ram.memory());
            filter.addAll(ext.msrFilter());
        }
        if (userSpaceMsrs || !msrs.isEmpty() || !filter.isEmpty()) {
            vm.enableCap(KVM_CAP_X86_USER_SPACE_MSR(), KVM_MSR_EXIT_REASON_UNKNOWN() | KVM_MSR_EXIT_REASON_FILTER());
            if (!filter.isEmpty()) {
                vm.setMsrFilter(filter);
            }
        }

        List<CpuidEntry> supported = kvm.supportedCpuid();
        List<Vcpu> created = new ArrayList<>();
        for (int i = 0; i < vcpus; i++) {
            Vcpu vcpu = vm.createVcpu(i);
            created.add(vcpu);
            undo.add(vcpu::close);
            for (VmExtension ext : extensions) {
                ext.vcpuCreated(vcpu);
            }
            List<CpuidEntry> cpuid = CpuidTable.forVcpu(supported, i, vcpus);
            for (VmExtension ext : extensions) {
                ext.contributeCpuid(i, cpuid);
            }
            vcpu.setCpuid2(cpuid);
            for (VmExtension ext : extensions) {
                ext.vcpuConfigured(vcpu);
            }
        }
        Bus pio = new Bus("pio");
        Bus mmio = new Bus("mmio");
        ExitRouting routing = new ExitRouting(pio, mmio, msrs, exitHandlers);
        List<VcpuLoop> loops = new ArrayList<>();
        for (Vcpu vcpu : created) {
            loops.add(new VcpuLoop(vcpu, routing, taskQueues.get(vcpu.index()), census));
        }
        // Later registrations would be invisible to the built machine's routing copy.
        msrs = new MsrRegistry();
        return new Machine(kvm, vm, ram, pio, mmio, created, loops, extensions, census, vcpuTasks);
    }
}
