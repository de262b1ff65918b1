// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.jvmm.bindings.kvm.kvm_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
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
 * EOI). One daemon thread ({@code hv-sint-ack}) waits on the resample fds and calls
 * {@link SintRoute#acked()}.
 *
 * <p>The GSIs and their entries come from the VM's one {@link org.jvmm.vmm.kvm.GsiRouting}, which keeps KVM's
 * defaults and every other user's routes in the table.
 */
public final class KvmSintRoutes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvmSintRoutes.class);

    private final Vm vm;
    /** GSI to route, for the routing table and the ack thread. */
    private final Map<Integer, Binding> bindings = new java.util.HashMap<>();
    private Thread ackThread;
    private volatile boolean closed;

    private record Binding(IrqRoute gsiRoute, int setFd, int ackFd, SintRoute route) {}

    public KvmSintRoutes(Vm vm) {
        this.vm = vm;
    }

    /**
     * A route to SINT {@code sint} of {@code synic}'s VP. If the SynIC is off right now the route
     * raises nothing (QEMU sets up no GSI then either), but messages and flags still work.
     */
    public synchronized SintRoute create(Synic synic, int sint, VcpuTasks vcpuTasks) {
        if (closed) {
            throw new IllegalStateException("SINT routes are closed");
        }
        if (!synic.enabled()) {
            return new SintRoute(synic, sint, SintSignal.NONE, vcpuTasks);
        }
        int setFd = LibC.eventfd(0, LibC.EFD_CLOEXEC);
        int ackFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        IrqRoute gsiRoute = vm.gsiRouting().allocate(
                g -> new IrqRoute.Other(g, KVM_IRQ_ROUTING_HV_SINT(), synic.vpIndex(), sint));
        int gsi = gsiRoute.gsi();
        SintRoute[] holder = new SintRoute[1];
        SintSignal signal = new SintSignal() {
            @Override
            public void raise() {
                signal(setFd);
            }

            @Override
            public void close() {
                release(gsi);
            }
        };
        holder[0] = new SintRoute(synic, sint, signal, vcpuTasks);
        bindings.put(gsi, new Binding(gsiRoute, setFd, ackFd, holder[0]));
        try {
            irqfd(setFd, gsi, KVM_IRQFD_FLAG_RESAMPLE(), ackFd);
        } catch (RuntimeException e) {
            bindings.remove(gsi);
            vm.gsiRouting().remove(gsiRoute);
            LibC.close(setFd);
            LibC.close(ackFd);
            throw e;
        }
        startAckThread();
        LOG.debug("SINT route vp {} sint {} on GSI {}", synic.vpIndex(), sint, gsi);
        return holder[0];
    }

    private synchronized void release(int gsi) {
        Binding b = bindings.remove(gsi);
        if (b == null) {
            return;
        }
        try {
            irqfd(b.setFd(), gsi, KVM_IRQFD_FLAG_DEASSIGN(), 0);
            vm.gsiRouting().remove(b.gsiRoute());
        } catch (VmmException e) {
            LOG.warn("releasing SINT route on GSI {}: {}", gsi, e.getMessage());
        } finally {
            LibC.close(b.setFd());
            LibC.close(b.ackFd());
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

    private void startAckThread() {
        if (ackThread == null) {
            ackThread = Thread.ofPlatform().name("hv-sint-ack").daemon(true).start(this::ackLoop);
        }
    }

    /** Waits on every resample fd (re-reading the set every 50 ms) and passes acks on. */
    private void ackLoop() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment counter = a.allocate(ValueLayout.JAVA_LONG);
            while (!closed) {
                List<Binding> now;
                synchronized (this) {
                    now = new ArrayList<>(bindings.values());
                }
                if (now.isEmpty()) {
                    Thread.sleep(50);
                    continue;
                }
                try (Arena round = Arena.ofConfined()) {
                MemorySegment fds = round.allocate(LibC.POLLFD, now.size());
                for (int i = 0; i < now.size(); i++) {
                    MemorySegment p = fds.asSlice(i * LibC.POLLFD.byteSize(), LibC.POLLFD.byteSize());
                    p.set(ValueLayout.JAVA_INT, 0, now.get(i).ackFd());
                    p.set(ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
                }
                int n = LibC.pollOrErrno(fds, now.size(), 50);
                for (int i = 0; n > 0 && i < now.size(); i++) {
                    MemorySegment p = fds.asSlice(i * LibC.POLLFD.byteSize(), LibC.POLLFD.byteSize());
                    if ((p.get(ValueLayout.JAVA_SHORT, 6) & LibC.POLLIN) != 0
                            && LibC.readOrErrno(now.get(i).ackFd(), counter) == 8) {
                        now.get(i).route().acked();
                    }
                }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("SINT ack thread stopped: {}", e.getMessage());
            }
        }
    }

    /** Closes every route and stops the ack thread; the VM fd must still be open. */
    @Override
    public void close() {
        List<Binding> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(bindings.values());
        }
        all.forEach(b -> b.route().close());
        Thread t = ackThread;
        if (t != null) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
