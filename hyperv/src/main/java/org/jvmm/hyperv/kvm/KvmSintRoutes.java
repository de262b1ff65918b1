// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.jvmm.bindings.kvm.kvm_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jvmm.bindings.kvm.kvm_irqfd;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.hyperv.synic.SintRoute;
import org.jvmm.hyperv.synic.SintSignal;
import org.jvmm.hyperv.synic.Synic;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.kvm.IrqRoute;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.spi.VcpuTasks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SINT routes in KVM, as QEMU's {@code hyperv_sint_route_new}: each route gets a GSI whose routing
 * entry is KVM_IRQ_ROUTING_HV_SINT {vcpu = VP index, sint}, and an eventfd bound to it with
 * KVM_IRQFD plus a resample eventfd that KVM signals when the guest acknowledges the SINT (EOM or
 * EOI). One {@link SintAckPoller} thread ({@code hv-sint-ack}) waits on the resample fds and calls
 * {@link SintRoute#acked()}.
 *
 * <p>The GSIs and their entries come from the VM's one {@link org.jvmm.vmm.kvm.GsiRouting}, which
 * keeps KVM's defaults and every other user's routes in the table. Arguments are checked before
 * anything is opened, and a create that fails half-way undoes what it did, fds included. Releasing
 * a route goes: no more raises, irqfd deassigned, fd unwatched (the poller has let go of it when
 * that returns), GSI entry removed, fds closed.
 */
public final class KvmSintRoutes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvmSintRoutes.class);

    private final Vm vm;
    private final SintAckPoller acks = new SintAckPoller("hv-sint-ack");
    /** GSI to binding; guarded by this. */
    private final Map<Integer, Binding> bindings = new HashMap<>();
    private boolean closed;

    public KvmSintRoutes(Vm vm) {
        this.vm = vm;
    }

    /**
     * A route to SINT {@code sint} of {@code synic}'s VP, delivering messages on that VP's vCPU
     * thread through {@code vcpuTasks}. If the SynIC is off right now the route raises nothing
     * (QEMU sets up no GSI then either), but messages and flags still work.
     *
     * @throws IllegalArgumentException for a SINT outside 0..15, before anything is opened
     */
    public SintRoute create(Synic synic, int sint, VcpuTasks vcpuTasks) {
        if (sint < 0 || sint >= Synic.SINT_COUNT) {
            throw new IllegalArgumentException("SINT " + sint + " is outside 0.." + (Synic.SINT_COUNT - 1));
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("SINT routes are closed");
            }
        }
        if (!synic.enabled()) {
            return new SintRoute(synic, sint, SintSignal.NONE, vcpuTasks);
        }
        Binding b = new Binding();
        try {
            b.setFd = LibC.eventfd(0, LibC.EFD_CLOEXEC);
            b.ackFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
            b.gsiRoute = vm.gsiRouting().allocate(
                    g -> new IrqRoute.Other(g, KVM_IRQ_ROUTING_HV_SINT(), synic.vpIndex(), sint));
            irqfd(b.setFd, b.gsiRoute.gsi(), KVM_IRQFD_FLAG_RESAMPLE(), b.ackFd);
            b.irqfdAssigned = true;
            b.route = new SintRoute(synic, sint, b, vcpuTasks);
            acks.watch(b.ackFd, b.route::acked);
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("SINT routes are closed");
                }
                bindings.put(b.gsiRoute.gsi(), b);
            }
        } catch (RuntimeException | Error e) {
            b.undo(e);
            throw e;
        }
        LOG.debug("SINT route vp {} sint {} on GSI {}", synic.vpIndex(), sint, b.gsiRoute.gsi());
        return b.route;
    }

    /** One route's KVM side; also its {@link SintSignal}. Fields are set once, during create. */
    private final class Binding implements SintSignal {
        int setFd = -1;
        int ackFd = -1;
        IrqRoute gsiRoute;
        boolean irqfdAssigned;
        SintRoute route;
        /** Guarded by this binding: no raise writes to setFd once it may be closed. */
        private boolean released;

        @Override
        public synchronized void raise() {
            if (!released) {
                signal(setFd);
            }
        }

        @Override
        public void close() {
            synchronized (KvmSintRoutes.this) {
                bindings.remove(gsiRoute.gsi());
            }
            undo(null);
        }

        /** Takes back whatever was set up, in reverse; {@code cause} collects secondary failures. */
        void undo(Throwable cause) {
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
            }
            if (irqfdAssigned) {
                quietly(cause, () -> irqfd(setFd, gsiRoute.gsi(), KVM_IRQFD_FLAG_DEASSIGN(), 0));
            }
            if (ackFd >= 0) {
                quietly(cause, () -> acks.unwatch(ackFd));
            }
            if (gsiRoute != null) {
                quietly(cause, () -> vm.gsiRouting().remove(gsiRoute));
            }
            if (ackFd >= 0) {
                quietly(cause, () -> LibC.close(ackFd));
            }
            if (setFd >= 0) {
                quietly(cause, () -> LibC.close(setFd));
            }
        }
    }

    private static void quietly(Throwable cause, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            } else {
                LOG.warn("releasing a SINT route: {}", e.getMessage());
            }
        }
    }

    private void irqfd(int fd, int gsi, int flags, int resampleFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_irqfd.allocate(a);
            kvm_irqfd.fd(s, fd);
            kvm_irqfd.gsi(s, gsi);
            kvm_irqfd.flags(s, flags);
            kvm_irqfd.resamplefd(s, resampleFd);
            vm.vmIoctl(KVM_IRQFD(), s);
        }
    }

    private static void signal(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            LibC.write(fd, one);
        }
    }

    /** Closes every route and stops the ack thread; the VM fd must still be open. */
    @Override
    public void close() {
        List<Binding> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(bindings.values());
        }
        for (Binding b : all) {
            try {
                b.route.close();
            } catch (VmmException | IllegalStateException e) {
                LOG.warn("closing SINT route on GSI {}: {}", b.gsiRoute.gsi(), e.getMessage());
            }
        }
        acks.close();
    }
}
