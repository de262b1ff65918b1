// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.jvmm.bindings.kvm.kvm_h.KVM_HYPERV_EVENTFD;
import static org.jvmm.bindings.kvm.kvm_h.KVM_HYPERV_EVENTFD_DEASSIGN;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jvmm.bindings.kvm.kvm_hyperv_eventfd;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.hyperv.synic.HvConnections;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.kvm.Vm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guest HvSignalEvent calls handled inside KVM (KVM_CAP_HYPERV_EVENTFD), the owner of the VM's
 * KVM_HYPERV_EVENTFD table. KVM looks the connection id up in that table on the vCPU: when an
 * eventfd is there it signals it and returns SUCCESS to the guest without leaving the kernel;
 * otherwise (and for a non-zero flag number, which KVM refuses with INVALID_PORT_ID before any
 * look-up) the hypercall still exits to userspace as KVM_EXIT_HYPERV, so jvmm's userspace
 * handlers stay the fallback for every id not assigned here. QEMU uses the same ioctl through
 * {@code hyperv_set_event_flag_handler}.
 *
 * <p>One thread ({@code hv-signal}) waits on all the eventfds and runs each one's callback. A
 * binding is released in the order that keeps the fd number from being reused under KVM or the
 * poller: deassigned in KVM (the next signal exits to userspace), unwatched (the poller has let
 * go of it when that returns), closed.
 */
public final class KvmSignalEventfds implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvmSignalEventfds.class);

    /** A connection id bound to an eventfd; closing it hands the id back to the userspace path. */
    public interface Binding extends AutoCloseable {
        @Override
        void close();
    }

    private final Vm vm;
    private final SintAckPoller poller = new SintAckPoller("hv-signal");
    private final AtomicLong wakes = new AtomicLong();
    /** Connection id to its binding; guarded by this. */
    private final Map<Integer, Bound> bound = new HashMap<>();
    private boolean closed;

    public KvmSignalEventfds(Vm vm) {
        this.vm = vm;
    }

    /**
     * Routes the guest's HvSignalEvent on {@code connectionId} to {@code onSignal}, run on the
     * {@code hv-signal} thread (signals that arrive together may run it once).
     *
     * @throws IllegalArgumentException for an id outside 24 bits or one already bound
     * @throws VmmException when KVM refuses (the caller falls back to the exit path)
     */
    public Binding bind(int connectionId, Runnable onSignal) {
        if ((connectionId & ~HvConnections.CONNECTION_ID_MASK) != 0) {
            throw new IllegalArgumentException("connection id 0x%x does not fit in 24 bits".formatted(connectionId));
        }
        Bound b = new Bound(connectionId);
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the VM's signal eventfds are closed");
            }
            if (bound.putIfAbsent(connectionId, b) != null) {
                throw new IllegalArgumentException("connection id " + connectionId + " already has an eventfd");
            }
        }
        try {
            b.fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
            poller.watch(b.fd, () -> {
                wakes.incrementAndGet();
                onSignal.run();
            });
            b.watched = true;
            ioctl(connectionId, b.fd, 0);
            b.assigned = true;
        } catch (RuntimeException | Error e) {
            b.release();
            throw e;
        }
        return b;
    }

    /** Signals that reached a callback through an eventfd (several signals may make one wake). */
    public long wakes() {
        return wakes.get();
    }

    /** Connection ids bound right now. */
    public synchronized int bound() {
        return bound.size();
    }

    private final class Bound implements Binding {
        final int connectionId;
        int fd = -1;
        boolean watched;
        boolean assigned;
        private boolean released;

        Bound(int connectionId) {
            this.connectionId = connectionId;
        }

        @Override
        public void close() {
            release();
        }

        void release() {
            synchronized (KvmSignalEventfds.this) {
                if (released) {
                    return;
                }
                released = true;
                bound.remove(connectionId, this);
            }
            if (assigned) {
                quietly(() -> ioctl(connectionId, fd, KVM_HYPERV_EVENTFD_DEASSIGN()));
            }
            if (watched) {
                quietly(() -> poller.unwatch(fd));
            }
            if (fd >= 0) {
                quietly(() -> LibC.close(fd));
            }
        }
    }

    private void ioctl(int connectionId, int fd, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_hyperv_eventfd.allocate(a);
            kvm_hyperv_eventfd.conn_id(s, connectionId);
            kvm_hyperv_eventfd.fd(s, fd);
            kvm_hyperv_eventfd.flags(s, flags);
            vm.vmIoctl(KVM_HYPERV_EVENTFD(), s);
        }
    }

    private static void quietly(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.warn("releasing a Hyper-V signal eventfd: {}", e.getMessage());
        }
    }

    /** Releases every binding and stops the thread; the VM fd must still be open. */
    @Override
    public void close() {
        List<Bound> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(bound.values());
        }
        all.forEach(Bound::release);
        poller.close();
    }
}
