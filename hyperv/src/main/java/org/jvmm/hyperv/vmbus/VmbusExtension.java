// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.util.List;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.kvm.HypervExtension;
import org.jvmm.hyperv.synic.SintRoute;
import org.jvmm.hyperv.synic.Synic;
import org.jvmm.vmm.acpi.Aml;
import org.jvmm.vmm.acpi.ResourceTemplate;
import org.jvmm.vmm.spi.HandlerRegistry;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.spi.VmExtension;

/**
 * VMBus for a jvmm guest: the ACPI device Linux's hv_vmbus binds to, and the {@link VmbusServer}
 * on the Hyper-V extension's message connections, answering through its SINT routes. Add it to
 * the machine after the {@link HypervExtension} it uses.
 *
 * <p>Linux only looks for VMBus when it runs as a Hyper-V guest, which it does only with KVM's
 * own signature hidden (kvm=off), and its driver needs the SynIC (hv-synic, so hv-vpindex too):
 * {@link #create} refuses anything less with one line, as a user would want to hear it.
 */
public final class VmbusExtension implements VmExtension {
    private final HypervExtension hv;
    private final VmbusServer server;

    private VmbusExtension(HypervExtension hv) {
        this.hv = hv;
        this.server = new VmbusServer(this::route, List.of());
    }

    /** VMBus on {@code hv}, which must have the SynIC and the KVM signature hidden. */
    public static VmbusExtension create(HypervExtension hv) {
        if (!hv.enabled() || !hv.effective().has(HvFeature.SYNIC)) {
            throw new HvConfigException("VMBus needs the Hyper-V SynIC: add hv-synic (with hv-vpindex), or"
                    + " <synic state='on'/> and <vpindex state='on'/> in libvirt XML");
        }
        if (!!hv.effective().exposeKvm()) {
            throw new HvConfigException("VMBus needs KVM's signature hidden (kvm=off, or <kvm><hidden"
                    + " state='on'/></kvm>): a Linux guest that sees KVM never looks for VMBus");
        }
        return new VmbusExtension(hv);
    }

    public VmbusServer server() {
        return server;
    }

    @Override
    public String name() {
        return "vmbus";
    }

    /**
     * {@code Device(VMBS)} under {@code \_SB} with {@code _HID "VMBus"}, the ID Hyper-V and QEMU
     * give it and Linux's hv_vmbus matches (iasl calls such an ID malformed, but it is the one
     * every guest driver knows), {@code _UID 0}, and QEMU's {@code _CRS} of ISA IRQ 7: Linux walks
     * the resources but takes VMBus interrupts through the SynIC, never this IRQ.
     */
    @Override
    public List<byte[]> acpiDevices() {
        return List.of(Aml.device("VMBS",
                Aml.nameDecl("_HID", Aml.string("VMBus")),
                Aml.nameDecl("_UID", Aml.integer(0)),
                Aml.nameDecl("_CRS", new ResourceTemplate().irq(7).buffer())));
    }

    @Override
    public void registerHandlers(HandlerRegistry registry, GuestMemory memory) {
        hv.connections().addMessageHandler(VmbusServer.MESSAGE_CONNECTION_ID, server);
        hv.connections().addMessageHandler(VmbusServer.MESSAGE_CONNECTION_ID_4, server);
    }

    private VmbusServer.Route route(int vpIndex, int sint) {
        SintRoute r = hv.sintRoute(vpIndex, sint);
        return new VmbusServer.Route() {
            @Override
            public Synic.PostResult post(byte[] hvMessage) {
                return r.post(hvMessage);
            }

            @Override
            public void onDelivered(Runnable then) {
                r.onDelivered(then);
            }

            @Override
            public void close() {
                r.close();
            }
        };
    }

    @Override
    public void close() {
        server.close();
    }
}
