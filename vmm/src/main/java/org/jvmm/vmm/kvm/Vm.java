// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import static org.jvmm.bindings.kvm.kvm_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.jvmm.bindings.kvm.kvm_enable_cap;
import org.jvmm.bindings.kvm.kvm_irq_level;
import org.jvmm.bindings.kvm.kvm_irq_routing;
import org.jvmm.bindings.kvm.kvm_irq_routing_entry;
import org.jvmm.bindings.kvm.kvm_irq_routing_irqchip;
import org.jvmm.bindings.kvm.kvm_irq_routing_msi;
import org.jvmm.bindings.kvm.kvm_irqfd;
import org.jvmm.bindings.kvm.kvm_msi;
import org.jvmm.bindings.kvm.kvm_msr_filter;
import org.jvmm.bindings.kvm.kvm_msr_filter_range;
import org.jvmm.bindings.kvm.kvm_pit_config;
import org.jvmm.bindings.kvm.kvm_userspace_memory_region;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.spi.MsrFilterRange;
import org.jvmm.vmm.sys.Posix;

/**
 * A VM fd from KVM_CREATE_VM: memory slots, the in-kernel irqchip, interrupts, capabilities and
 * vCPU creation. One method per VM ioctl, named after it. Closing it closes the fd; vCPUs and
 * memory are closed first by whoever owns them (see {@code Machine}).
 */
public final class Vm implements AutoCloseable {
    private final Kvm kvm;
    private final int fd;
    private volatile boolean closed;
    private GsiRouting gsiRouting;

    Vm(Kvm kvm, int fd) {
        this.kvm = kvm;
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    /**
     * KVM_GET_STATS_FD: a new fd from which KVM's binary statistics of this VM are read with
     * pread (see {@link org.jvmm.vmm.stats.KvmStatsParser}); the caller closes it. Needs
     * KVM_CAP_BINARY_STATS_FD (Linux 5.14).
     */
    public int getStatsFd() {
        return Ioctls.call(fd, "KVM_GET_STATS_FD", KVM_GET_STATS_FD(), 0L, () -> "vm");
    }

    public Kvm kvm() {
        return kvm;
    }

    /** KVM_CHECK_EXTENSION on the VM fd (some capabilities depend on the VM type). */
    public int checkExtension(int cap) {
        return Ioctls.call(fd, "KVM_CHECK_EXTENSION", KVM_CHECK_EXTENSION(), cap, () -> "cap " + cap);
    }

    /** KVM_CREATE_VCPU with id {@code index}, then maps its {@code kvm_run}. */
    public Vcpu createVcpu(int index) {
        int size = kvm.vcpuMmapSize();
        int vcpuFd = Ioctls.call(fd, "KVM_CREATE_VCPU", KVM_CREATE_VCPU(), index, () -> "vcpu " + index);
        try {
            return new Vcpu(this, index, vcpuFd, size);
        } catch (RuntimeException e) {
            Posix.close(vcpuFd);
            throw e;
        }
    }

    /**
     * KVM_SET_USER_MEMORY_REGION: guest-physical {@code [gpa, gpa+size)} is backed by host
     * memory at {@code host}. A size of 0 deletes the slot.
     */
    public void setUserMemoryRegion(int slot, int flags, long gpa, long size, long host) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = kvm_userspace_memory_region.allocate(a);
            kvm_userspace_memory_region.slot(r, slot);
            kvm_userspace_memory_region.flags(r, flags);
            kvm_userspace_memory_region.guest_phys_addr(r, gpa);
            kvm_userspace_memory_region.memory_size(r, size);
            kvm_userspace_memory_region.userspace_addr(r, host);
            Ioctls.call(fd, "KVM_SET_USER_MEMORY_REGION", KVM_SET_USER_MEMORY_REGION(), r,
                    () -> "slot %d, gpa 0x%x, size 0x%x".formatted(slot, gpa, size));
        }
    }

    /** KVM_SET_TSS_ADDR: three pages of guest-physical space KVM needs on Intel (not RAM). */
    public void setTssAddr(long address) {
        Ioctls.call(fd, "KVM_SET_TSS_ADDR", KVM_SET_TSS_ADDR(), address, () -> "0x" + Long.toHexString(address));
    }

    /** KVM_SET_IDENTITY_MAP_ADDR: one page for the EPT identity map of real mode on Intel. */
    public void setIdentityMapAddr(long address) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.JAVA_LONG);
            p.set(ValueLayout.JAVA_LONG, 0, address);
            Ioctls.call(fd, "KVM_SET_IDENTITY_MAP_ADDR", KVM_SET_IDENTITY_MAP_ADDR(), p,
                    () -> "0x" + Long.toHexString(address));
        }
    }

    /**
     * KVM_CREATE_IRQCHIP: the in-kernel PIC pair, IOAPIC and local APICs, then the PC's GSI
     * routing in place of KVM's default ({@link GsiRouting#pcWiring}: the timer on I/O APIC pin
     * 2, as the firmware tables say), before anything can raise an interrupt. Before any vCPU.
     */
    public void createIrqchip() {
        Ioctls.call(fd, "KVM_CREATE_IRQCHIP", KVM_CREATE_IRQCHIP());
        gsiRouting();
    }

    /** KVM_CREATE_PIT2: the in-kernel i8254 timer; needs the irqchip first. */
    public void createPit2(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = kvm_pit_config.allocate(a);
            kvm_pit_config.flags(c, flags);
            Ioctls.call(fd, "KVM_CREATE_PIT2", KVM_CREATE_PIT2(), c, () -> "flags " + flags);
        }
    }

    /** {@code struct kvm_pit_state2}: three 24-byte channel states, then the flags word. */
    static final int PIT_STATE2_FLAGS = 3 * 24;

    /**
     * KVM_GET_PIT2 then KVM_SET_PIT2 with KVM_PIT_FLAGS_HPET_LEGACY set or cleared: while set, the
     * in-kernel PIT's channel 0 stops raising IRQ 0 (arch/x86/kvm/i8254.c), as when an HPET in
     * legacy replacement mode has taken IRQ 0 over; QEMU does the same. Only the flags word
     * changes; the struct's size is the one encoded in the ioctl number.
     */
    public void setPitHpetLegacy(boolean on) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = getPit2(a);
            int flags = s.get(ValueLayout.JAVA_INT, PIT_STATE2_FLAGS);
            flags = on ? flags | KVM_PIT_FLAGS_HPET_LEGACY() : flags & ~KVM_PIT_FLAGS_HPET_LEGACY();
            s.set(ValueLayout.JAVA_INT, PIT_STATE2_FLAGS, flags);
            Ioctls.call(fd, "KVM_SET_PIT2", KVM_SET_PIT2(), s, () -> "HPET legacy " + on);
        }
    }

    /** Whether KVM_PIT_FLAGS_HPET_LEGACY is set (KVM_GET_PIT2). */
    public boolean pitHpetLegacy() {
        try (Arena a = Arena.ofConfined()) {
            return (getPit2(a).get(ValueLayout.JAVA_INT, PIT_STATE2_FLAGS) & KVM_PIT_FLAGS_HPET_LEGACY()) != 0;
        }
    }

    private MemorySegment getPit2(Arena a) {
        MemorySegment s = a.allocate((KVM_GET_PIT2() >>> 16) & 0x3fff, 8);
        Ioctls.call(fd, "KVM_GET_PIT2", KVM_GET_PIT2(), s, () -> "");
        return s;
    }

    /** KVM_IRQ_LINE: drives GSI {@code irq} of the in-kernel irqchip to {@code level}. */
    public void irqLine(int irq, boolean level) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment l = kvm_irq_level.allocate(a);
            kvm_irq_level.irq(l, irq);
            kvm_irq_level.level(l, level ? 1 : 0);
            Ioctls.call(fd, "KVM_IRQ_LINE", KVM_IRQ_LINE(), l, () -> "irq " + irq + ", level " + level);
        }
    }

    /**
     * The VM's GSI routing table, the only way to change it: every user adds its routes there and
     * each change sends KVM the whole table (see {@link GsiRouting}). Needs the in-kernel irqchip.
     */
    public GsiRouting gsiRouting() {
        synchronized (this) {
            if (gsiRouting == null) {
                gsiRouting = new GsiRouting(this::setGsiRouting);
            }
            return gsiRouting;
        }
    }

    /** KVM_SET_GSI_ROUTING: replaces the whole table; only {@link GsiRouting} calls it. */
    private void setGsiRouting(List<IrqRoute> routes) {
        try (Arena a = Arena.ofConfined()) {
            long entrySize = kvm_irq_routing_entry.sizeof();
            MemorySegment table = a.allocate(kvm_irq_routing.sizeof() + routes.size() * entrySize, 8);
            kvm_irq_routing.nr(table, routes.size());
            for (int i = 0; i < routes.size(); i++) {
                MemorySegment e = table.asSlice(kvm_irq_routing.sizeof() + i * entrySize, entrySize);
                encode(routes.get(i), e);
            }
            Ioctls.call(fd, "KVM_SET_GSI_ROUTING", KVM_SET_GSI_ROUTING(), table, () -> routes.size() + " routes");
        }
    }

    private static void encode(IrqRoute route, MemorySegment e) {
        kvm_irq_routing_entry.gsi(e, route.gsi());
        MemorySegment u = kvm_irq_routing_entry.u(e);
        switch (route) {
            case IrqRoute.Msi m -> {
                kvm_irq_routing_entry.type(e, KVM_IRQ_ROUTING_MSI());
                MemorySegment msi = kvm_irq_routing_entry.u.msi(u);
                kvm_irq_routing_msi.address_lo(msi, (int) m.address());
                kvm_irq_routing_msi.address_hi(msi, (int) (m.address() >>> 32));
                kvm_irq_routing_msi.data(msi, m.data());
            }
            case IrqRoute.Irqchip c -> {
                kvm_irq_routing_entry.type(e, KVM_IRQ_ROUTING_IRQCHIP());
                MemorySegment chip = kvm_irq_routing_entry.u.irqchip(u);
                kvm_irq_routing_irqchip.irqchip(chip, c.irqchip());
                kvm_irq_routing_irqchip.pin(chip, c.pin());
            }
            case IrqRoute.Other o -> {
                kvm_irq_routing_entry.type(e, o.type());
                u.set(ValueLayout.JAVA_INT, 0, o.word0());
                u.set(ValueLayout.JAVA_INT, 4, o.word1());
            }
        }
    }

    /** KVM_IRQFD: writing to eventfd {@code eventFd} raises GSI {@code gsi}. */
    public void irqfd(int eventFd, int gsi) {
        irqfd(eventFd, gsi, 0);
    }

    /** KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN: undoes {@link #irqfd}. */
    public void irqfdDeassign(int eventFd, int gsi) {
        irqfd(eventFd, gsi, KVM_IRQFD_FLAG_DEASSIGN());
    }

    private void irqfd(int eventFd, int gsi, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_irqfd.allocate(a);
            kvm_irqfd.fd(s, eventFd);
            kvm_irqfd.gsi(s, gsi);
            kvm_irqfd.flags(s, flags);
            Ioctls.call(fd, "KVM_IRQFD", KVM_IRQFD(), s,
                    () -> "eventfd %d, gsi %d, flags %d".formatted(eventFd, gsi, flags));
        }
    }

    /** KVM_SIGNAL_MSI: injects one MSI; returns >0 if delivered, 0 if the guest blocked it. */
    public int signalMsi(long address, int data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = kvm_msi.allocate(a);
            kvm_msi.address_lo(m, (int) address);
            kvm_msi.address_hi(m, (int) (address >>> 32));
            kvm_msi.data(m, data);
            return Ioctls.call(fd, "KVM_SIGNAL_MSI", KVM_SIGNAL_MSI(), m,
                    () -> "address 0x%x, data 0x%x".formatted(address, data));
        }
    }

    /** KVM_ENABLE_CAP on the VM fd with up to four arguments. */
    public void enableCap(int cap, long... args) {
        enableCap(fd, "VM", cap, args);
    }

    static void enableCap(int fd, String what, int cap, long... args) {
        if (args.length > 4) {
            throw new IllegalArgumentException("KVM_ENABLE_CAP takes at most 4 arguments");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = kvm_enable_cap.allocate(a);
            kvm_enable_cap.cap(c, cap);
            MemorySegment argv = kvm_enable_cap.args(c);
            for (int i = 0; i < args.length; i++) {
                argv.setAtIndex(ValueLayout.JAVA_LONG, i, args[i]);
            }
            Ioctls.call(fd, "KVM_ENABLE_CAP", KVM_ENABLE_CAP(), c,
                    () -> "%s cap %d, args %s".formatted(what, cap, java.util.Arrays.toString(args)));
        }
    }

    /**
     * KVM_X86_SET_MSR_FILTER with default allow: the MSRs in {@code denied} exit to userspace
     * (needs KVM_CAP_X86_USER_SPACE_MSR with KVM_MSR_EXIT_REASON_FILTER). At most 16 ranges.
     */
    public void setMsrFilter(List<MsrFilterRange> denied) {
        int max = KVM_MSR_FILTER_MAX_RANGES();
        if (denied.size() > max) {
            // The ranges come from the user (--count-msrs) and from extensions together.
            throw new VmmException("KVM takes at most " + max + " MSR filter ranges, this VM needs " + denied.size());
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = kvm_msr_filter.allocate(a);
            kvm_msr_filter.flags(f, KVM_MSR_FILTER_DEFAULT_ALLOW());
            for (int i = 0; i < denied.size(); i++) {
                MsrFilterRange d = denied.get(i);
                MemorySegment r = kvm_msr_filter.ranges(f, i);
                int flags = (d.read() ? KVM_MSR_FILTER_READ() : 0) | (d.write() ? KVM_MSR_FILTER_WRITE() : 0);
                kvm_msr_filter_range.flags(r, flags);
                kvm_msr_filter_range.nmsrs(r, d.count());
                kvm_msr_filter_range.base(r, d.first());
                // A clear bit denies the MSR; an all-zero bitmap denies the whole range.
                kvm_msr_filter_range.bitmap(r, a.allocate((d.count() + 7) / 8, 8));
            }
            Ioctls.call(fd, "KVM_X86_SET_MSR_FILTER", KVM_X86_SET_MSR_FILTER(), f, denied::toString);
        }
    }

    /** Any VM ioctl by number, for extensions; not KVM_SET_GSI_ROUTING (see {@link #gsiRouting()}). */
    public int vmIoctl(long request, MemorySegment arg) {
        if (request == KVM_SET_GSI_ROUTING()) {
            throw new IllegalArgumentException("KVM_SET_GSI_ROUTING has one owner: use Vm.gsiRouting()");
        }
        return Ioctls.call(fd, Ioctls.nameOf(request), request, arg, null);
    }

    /** Any VM ioctl with an integer argument. */
    public int vmIoctl(long request, long arg) {
        return Ioctls.call(fd, Ioctls.nameOf(request), request, arg, null);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Posix.close(fd);
        }
    }
}
