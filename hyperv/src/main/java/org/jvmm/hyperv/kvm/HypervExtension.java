// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jvmm.hyperv.CpuidLeaf;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvCpuid;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.hyperv.HvValidator;
import org.jvmm.hyperv.synic.HvConnections;
import org.jvmm.hyperv.synic.HvExitHandler;
import org.jvmm.hyperv.synic.HvHypercalls;
import org.jvmm.hyperv.synic.SintRoute;
import org.jvmm.hyperv.synic.Synic;
import org.jvmm.vmm.kvm.CpuidEntry;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.spi.CensusSink;
import org.jvmm.vmm.spi.HandlerRegistry;
import org.jvmm.vmm.spi.VcpuTasks;
import org.jvmm.vmm.spi.VmExtension;

/**
 * Hyper-V enlightenments for a {@code Machine}, plugged in through the core's extension hooks in
 * QEMU's order: per vCPU, the SynIC / eVMCS / enforce-cpuid capabilities before KVM_SET_CPUID2,
 * the Hyper-V leaves (with KVM's signature moved to 0x40000100, or dropped with kvm=off) in the
 * CPUID, and the reset-time synthetic MSRs after it; KVM_EXIT_HYPERV goes to an
 * {@link HvExitHandler}. When the effective configuration does not enable Hyper-V (QEMU's
 * {@code hyperv_enabled()}), every hook does nothing.
 *
 * <pre>{@code
 * HvConfig wanted = QemuHvFlags.parse("hv-relaxed,hv-vpindex,hv-synic").config();
 * try (Kvm probe = Kvm.open()) {
 *     HypervExtension hv = HypervExtension.create(wanted, probe);   // HvConfigException if unsupported
 *     hv.connections().addMessageHandler(1, msg -> HvStatus.SUCCESS);
 *     Machine m = Machine.builder().vcpus(2).extension(hv).build();
 * }
 * }</pre>
 */
public final class HypervExtension implements VmExtension {
    private final HvConfig effective;
    private final HostHvFacts host;
    private final boolean enabled;
    private final HvVcpuInit init;
    private final HvConnections connections = new HvConnections();
    private final List<Synic> synics = new ArrayList<>();
    /** Set while the machine is built, before any vCPU runs; read by census() after they ended. */
    private HvExitHandler exitHandler;
    private GuestMemory memory;
    private KvmSintRoutes sintRoutes;
    private KvmSignalEventfds signalEventfds;
    private VcpuTasks vcpuTasks;

    private HypervExtension(HvConfig effective, HostHvFacts host) {
        this.effective = effective;
        this.host = host;
        this.enabled = effective.hypervEnabled(host.support().hypervAvailable());
        this.init = new HvVcpuInit(effective, host);
    }

    /**
     * Probes the host through {@code kvm} and resolves {@code requested} against it.
     *
     * @throws org.jvmm.hyperv.HvConfigException one line naming the unsupported feature or the
     *         missing dependency
     */
    public static HypervExtension create(HvConfig requested, Kvm kvm) {
        return create(requested, HostHvProbe.probeFacts(kvm));
    }

    /** Like {@link #create(HvConfig, Kvm)} with already probed facts (tests, repeated VMs). */
    public static HypervExtension create(HvConfig requested, HostHvFacts host) {
        Objects.requireNonNull(requested, "requested");
        return new HypervExtension(HvValidator.resolve(requested, host.support()), host);
    }

    @Override
    public String name() {
        return "hyperv";
    }

    /** The configuration after passthrough expansion and validation. */
    public HvConfig effective() {
        return effective;
    }

    /** True when the guest gets Hyper-V leaves at all. */
    public boolean enabled() {
        return enabled;
    }

    public HostHvFacts host() {
        return host;
    }

    /** Guest-to-host connections (PostMessage / SignalEvent handlers by connection id). */
    public HvConnections connections() {
        return connections;
    }

    /** The SynIC of VP {@code vpIndex} (= vCPU index); only with hv-synic, after the build. */
    public Synic synic(int vpIndex) {
        Synic s = synicOrNull(vpIndex);
        if (s == null) {
            throw new IllegalArgumentException("no SynIC for VP " + vpIndex + " (hv-synic "
                    + (effective.has(HvFeature.SYNIC) ? "on)" : "off)"));
        }
        return s;
    }

    private Synic synicOrNull(int vpIndex) {
        synchronized (synics) {
            return vpIndex >= 0 && vpIndex < synics.size() ? synics.get(vpIndex) : null;
        }
    }

    @Override
    public void vmCreated(Vm vm) {
        if (enabled && effective.has(HvFeature.SYNIC)) {
            sintRoutes = new KvmSintRoutes(vm);
            if (host.cap("KVM_CAP_HYPERV_EVENTFD") > 0) {
                signalEventfds = new KvmSignalEventfds(vm);
            }
        }
    }

    /**
     * A SINT route to SINT {@code sint} of VP {@code vpIndex}: raise it, post messages, set event
     * flags (QEMU's {@code hyperv_sint_route_new}). Needs hv-synic and a built machine; close the
     * route when done (the machine closes the rest).
     */
    public SintRoute sintRoute(int vpIndex, int sint) {
        if (sintRoutes == null || vcpuTasks == null) {
            throw new IllegalStateException("SINT routes need hv-synic and a built machine");
        }
        return sintRoutes.create(synic(vpIndex), sint, vcpuTasks);
    }

    /**
     * Where HvSignalEvent can be handled inside KVM (KVM_CAP_HYPERV_EVENTFD, with hv-synic, once
     * the VM exists); empty where the host lacks it, and signals then exit to userspace.
     */
    public java.util.Optional<KvmSignalEventfds> signalEventfds() {
        return java.util.Optional.ofNullable(signalEventfds);
    }

    /**
     * Hypercalls by vCPU, call code and status (group "hv-hypercall"), and each vCPU's SynIC
     * messages and event flags by SINT (group "hv-synic").
     */
    @Override
    public void census(CensusSink sink) {
        if (exitHandler != null) {
            exitHandler.census().report(sink);
        }
        List<Synic> all;
        synchronized (synics) {
            all = List.copyOf(synics);
        }
        for (Synic s : all) {
            s.censusCounts().forEach((key, n) -> sink.add(s.vpIndex(), "hv-synic", key, n));
        }
        if (signalEventfds != null) {
            sink.add(CensusSink.VM, "hv-synic", "SignalEvent eventfd wakes", signalEventfds.wakes());
        }
    }

    @Override
    public void close() {
        if (signalEventfds != null) {
            signalEventfds.close();
        }
        if (sintRoutes != null) {
            sintRoutes.close();
        }
    }

    @Override
    public void registerHandlers(HandlerRegistry registry, GuestMemory memory) {
        if (!enabled) {
            return;
        }
        this.memory = memory;
        // Messages reach a SynIC's page on its vCPU's thread (see SintRoute).
        this.vcpuTasks = registry.vcpuTasks();
        // SynICs appear as vCPUs are created; the handler looks them up when exits arrive.
        exitHandler = new HvExitHandler(effective.has(HvFeature.SYNIC) ? this::synicOrNull : null,
                new HvHypercalls(memory, connections), effective.has(HvFeature.SYNDBG));
        registry.exitHandler(exitHandler);
    }

    @Override
    public void vcpuCreated(Vcpu vcpu) {
        if (!enabled) {
            return;
        }
        init.beforeCpuid(HvVcpuPort.of(vcpu));
        if (effective.has(HvFeature.SYNIC)) {
            synchronized (synics) {
                synics.add(new Synic(vcpu.index(), memory));
            }
        }
    }

    @Override
    public void contributeCpuid(int vcpuIndex, List<CpuidEntry> entries) {
        // kvm=off hides KVM's signature whether or not Hyper-V is on, as QEMU's expose_kvm does.
        if (!enabled && effective.exposeKvm()) {
            return;
        }
        List<CpuidLeaf> supported = new ArrayList<>(entries.size());
        for (CpuidEntry e : entries) {
            supported.add(new CpuidLeaf(e.function(), e.index(), e.flags(), e.eax(), e.ebx(), e.ecx(), e.edx()));
        }
        List<CpuidLeaf> assembled = HvCpuid.assemble(supported, effective, host.support());
        entries.clear();
        for (CpuidLeaf l : assembled) {
            entries.add(new CpuidEntry(l.function(), l.index(), l.flags(), l.eax(), l.ebx(), l.ecx(), l.edx()));
        }
    }

    @Override
    public void vcpuConfigured(Vcpu vcpu) {
        if (enabled) {
            init.afterCpuid(HvVcpuPort.of(vcpu));
        }
    }
}
