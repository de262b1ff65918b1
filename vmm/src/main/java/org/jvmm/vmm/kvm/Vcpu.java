// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import static org.jvmm.bindings.kvm.kvm_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.jvmm.bindings.kvm.kvm_cpuid2;
import org.jvmm.bindings.kvm.kvm_fpu;
import org.jvmm.bindings.kvm.kvm_lapic_state;
import org.jvmm.bindings.kvm.kvm_mp_state;
import org.jvmm.bindings.kvm.kvm_regs;
import org.jvmm.bindings.kvm.kvm_sregs;
import org.jvmm.bindings.libc.ErrnoException;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.sys.Posix;

/**
 * A vCPU fd and its mapped {@code kvm_run}. One method per vCPU ioctl, named after it; values
 * come back as copies.
 *
 * <p>The {@code kvm_run} mapping belongs to a shared arena whose cleanup is {@code munmap}, so
 * {@link #close()} unmaps it and every later access to {@link #kvmRun()} fails with
 * IllegalStateException instead of touching freed memory. The arena is shared because the vCPU
 * thread runs the guest while the controlling thread sets {@code immediate_exit} to kick it.
 */
public final class Vcpu implements AutoCloseable {
    private final Vm vm;
    private final int index;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment kvmRun;
    private volatile boolean closed;

    Vcpu(Vm vm, int index, int fd, int mmapSize) {
        this.vm = vm;
        this.index = index;
        this.fd = fd;
        MemorySegment address;
        try {
            address = Posix.mmap(mmapSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        } catch (ErrnoException e) {
            throw new VmmException("vCPU %d: cannot map its kvm_run: %s".formatted(index, e.getMessage()), e);
        }
        // Sound: the kernel mapped exactly mmapSize bytes at this address for this fd, and the
        // mapping lives until the arena's cleanup unmaps it, after which the segment is dead.
        this.kvmRun = address.reinterpret(mmapSize, arena, Posix::munmap);
    }

    public Vm vm() {
        return vm;
    }

    /** The vCPU id given to KVM_CREATE_VCPU (also its initial APIC ID). */
    public int index() {
        return index;
    }

    public int fd() {
        return fd;
    }

    /**
     * KVM_GET_STATS_FD: a new fd from which KVM's binary statistics of this vCPU are read with
     * pread (see {@link org.jvmm.vmm.stats.KvmStatsParser}); the caller closes it. Needs
     * KVM_CAP_BINARY_STATS_FD (Linux 5.14).
     */
    public int getStatsFd() {
        return Ioctls.call(fd, "KVM_GET_STATS_FD", KVM_GET_STATS_FD(), 0L, () -> "vcpu " + index);
    }

    /**
     * The whole vCPU mapping: {@code struct kvm_run} and, after it, the PIO data page and the
     * coalesced MMIO ring. Its size bounds every guest-influenced offset into it.
     */
    public MemorySegment kvmRun() {
        return kvmRun;
    }

    /**
     * KVM_RUN: enters the guest until the next exit. Returns 0, or {@code -errno} (notably
     * {@code -EINTR} after a kick) without throwing, since this is the hot path.
     */
    public int run() {
        // The argument must be 0: KVM_RUN fails with EINVAL for any other value, so the
        // two-argument ioctl (which leaves the third register undefined) cannot be used.
        return LibC.ioctlOrErrno(fd, KVM_RUN(), 0L);
    }

    /**
     * KVM_RUN with errno captured into {@code captureState} (a {@code LibC.allocateCaptureState}
     * segment the calling thread owns), for the vCPU loop: no thread-local lookup per exit.
     */
    public int run(MemorySegment captureState) {
        int r = LibC.ioctl(captureState, fd, KVM_RUN(), 0L);
        return r == -1 ? -LibC.errno(captureState) : r;
    }

    /** KVM_GET_REGS. */
    public Regs getRegs() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_regs.allocate(a);
            call("KVM_GET_REGS", KVM_GET_REGS(), s);
            return Structs.regs(s);
        }
    }

    /** KVM_SET_REGS. */
    public void setRegs(Regs regs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_regs.allocate(a);
            Structs.regs(s, regs);
            call("KVM_SET_REGS", KVM_SET_REGS(), s);
        }
    }

    /** KVM_GET_SREGS. */
    public Sregs getSregs() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_sregs.allocate(a);
            call("KVM_GET_SREGS", KVM_GET_SREGS(), s);
            return Structs.sregs(s);
        }
    }

    /**
     * The general and segment registers on one line in brackets, for messages and logs. Never
     * throws: when the vCPU cannot be read (it may be what is broken) the line says why.
     */
    public String registerSummary() {
        try {
            return "[" + getRegs().summary() + " " + getSregs().summary() + "]";
        } catch (RuntimeException e) {
            return "[registers unavailable: " + e.getMessage() + "]";
        }
    }

    /** KVM_SET_SREGS. */
    public void setSregs(Sregs sregs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_sregs.allocate(a);
            Structs.sregs(s, sregs);
            call("KVM_SET_SREGS", KVM_SET_SREGS(), s);
        }
    }

    /** KVM_GET_FPU. */
    public Fpu getFpu() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_fpu.allocate(a);
            call("KVM_GET_FPU", KVM_GET_FPU(), s);
            return new Fpu(kvm_fpu.fpr(s).toArray(ValueLayout.JAVA_BYTE), Short.toUnsignedInt(kvm_fpu.fcw(s)),
                    Short.toUnsignedInt(kvm_fpu.fsw(s)), Byte.toUnsignedInt(kvm_fpu.ftwx(s)),
                    Short.toUnsignedInt(kvm_fpu.last_opcode(s)), kvm_fpu.last_ip(s), kvm_fpu.last_dp(s),
                    kvm_fpu.xmm(s).toArray(ValueLayout.JAVA_BYTE), kvm_fpu.mxcsr(s));
        }
    }

    /** KVM_SET_FPU. */
    public void setFpu(Fpu fpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_fpu.allocate(a);
            kvm_fpu.fpr(s).copyFrom(MemorySegment.ofArray(fpu.fpr()));
            kvm_fpu.fcw(s, (short) fpu.fcw());
            kvm_fpu.fsw(s, (short) fpu.fsw());
            kvm_fpu.ftwx(s, (byte) fpu.ftwx());
            kvm_fpu.last_opcode(s, (short) fpu.lastOpcode());
            kvm_fpu.last_ip(s, fpu.lastIp());
            kvm_fpu.last_dp(s, fpu.lastDp());
            kvm_fpu.xmm(s).copyFrom(MemorySegment.ofArray(fpu.xmm()));
            kvm_fpu.mxcsr(s, fpu.mxcsr());
            call("KVM_SET_FPU", KVM_SET_FPU(), s);
        }
    }

    /** KVM_SET_CPUID2: what CPUID returns in this vCPU. */
    public void setCpuid2(List<CpuidEntry> entries) {
        try (Arena a = Arena.ofConfined()) {
            call("KVM_SET_CPUID2", KVM_SET_CPUID2(), Structs.cpuid2(a, entries), entries.size() + " entries");
        }
    }

    /** KVM_GET_CPUID2: the table set by KVM_SET_CPUID2. */
    public List<CpuidEntry> getCpuid2() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = Structs.cpuid2(a, 256);
            call("KVM_GET_CPUID2", KVM_GET_CPUID2(), s);
            return Structs.cpuidEntries(s);
        }
    }

    /** KVM_GET_MSRS: the values of the MSRs {@code indexes} KVM could read, in order. */
    public List<MsrEntry> getMsrs(int... indexes) {
        List<MsrEntry> query = new ArrayList<>();
        for (int i : indexes) {
            query.add(new MsrEntry(i, 0));
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = Structs.msrs(a, query);
            int n = call("KVM_GET_MSRS", KVM_GET_MSRS(), s);
            return Structs.msrEntries(s, n);
        }
    }

    /** KVM_SET_MSRS: all of {@code entries}, or a VmmException naming the first MSR KVM refused. */
    public void setMsrs(List<MsrEntry> entries) {
        try (Arena a = Arena.ofConfined()) {
            int n = call("KVM_SET_MSRS", KVM_SET_MSRS(), Structs.msrs(a, entries));
            if (n < entries.size()) {
                throw new VmmException("vcpu %d: KVM_SET_MSRS refused MSR 0x%x (set %d of %d)"
                        .formatted(index, entries.get(n).index(), n, entries.size()));
            }
        }
    }

    /** KVM_ENABLE_CAP on the vCPU fd. */
    public void enableCap(int cap, long... args) {
        Vm.enableCap(fd, "vcpu " + index, cap, args);
    }

    /** KVM_GET_MP_STATE: KVM_MP_STATE_RUNNABLE (0), _UNINITIALIZED (1), _INIT_RECEIVED, _HALTED... */
    public int getMpState() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_mp_state.allocate(a);
            call("KVM_GET_MP_STATE", KVM_GET_MP_STATE(), s);
            return kvm_mp_state.mp_state(s);
        }
    }

    /** KVM_SET_MP_STATE. */
    public void setMpState(int state) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_mp_state.allocate(a);
            kvm_mp_state.mp_state(s, state);
            call("KVM_SET_MP_STATE", KVM_SET_MP_STATE(), s, "state " + state);
        }
    }

    /** KVM_GET_LAPIC: the 1 KiB local APIC register page (needs the in-kernel irqchip). */
    public byte[] getLapic() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_lapic_state.allocate(a);
            call("KVM_GET_LAPIC", KVM_GET_LAPIC(), s);
            return kvm_lapic_state.regs(s).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** KVM_SET_LAPIC. */
    public void setLapic(byte[] regs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = kvm_lapic_state.allocate(a);
            MemorySegment dst = kvm_lapic_state.regs(s);
            if (regs.length != dst.byteSize()) {
                throw new IllegalArgumentException("LAPIC state is " + dst.byteSize() + " bytes, got " + regs.length);
            }
            dst.copyFrom(MemorySegment.ofArray(regs));
            call("KVM_SET_LAPIC", KVM_SET_LAPIC(), s);
        }
    }

    /** Any vCPU ioctl by number, for extensions. */
    public int vcpuIoctl(long request, MemorySegment arg) {
        return Ioctls.call(fd, Ioctls.nameOf(request), request, arg, () -> "vcpu " + index);
    }

    private int call(String name, long request, MemorySegment arg) {
        return Ioctls.call(fd, name, request, arg, () -> "vcpu " + index);
    }

    private int call(String name, long request, MemorySegment arg, String context) {
        return Ioctls.call(fd, name, request, arg, () -> "vcpu " + index + ", " + context);
    }

    /** Unmaps {@code kvm_run} and closes the fd; the vCPU thread must have stopped. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
            Posix.close(fd);
        }
    }
}
