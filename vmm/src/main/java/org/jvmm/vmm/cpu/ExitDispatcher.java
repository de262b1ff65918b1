// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import org.jvmm.vmm.bus.Bus;
import org.jvmm.vmm.exit.ExitDecoder;
import org.jvmm.vmm.exit.VcpuExit;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.spi.ExitHandler;
import org.jvmm.vmm.spi.MsrAnswer;
import org.jvmm.vmm.stats.ExitCensus;
import org.jvmm.vmm.stats.ExitReasons;

/**
 * What one vCPU does with an exit: port I/O and MMIO to the buses, MSR exits to the
 * {@link MsrRegistry}, everything else to the extensions' exit handlers; results are written back
 * into {@code kvm_run} for KVM to complete the instruction. A plain function of the exit, so tests
 * feed it synthetic exits. An exit nobody claims, or a malformed one, is a {@link VcpuException}.
 */
final class ExitDispatcher {
    private final int index;
    private final Vcpu vcpu;
    private final MemorySegment run;
    private final long runSize;
    private final Bus pio;
    private final Bus mmio;
    private final MsrRegistry msrs;
    private final ExitHandler[] handlers;
    /** This vCPU's counts, or null when the machine keeps no census (the usual, cheaper case). */
    private final ExitCensus census;
    /** The kvm_hyperv_exit part of kvm_run, made once: slicing it per exit costs on every hypercall. */
    private final MemorySegment hyperv;

    ExitDispatcher(int index, Vcpu vcpu, MemorySegment run, ExitRouting routing, ExitCensus census) {
        this.index = index;
        this.vcpu = vcpu;
        this.run = run;
        this.runSize = run.byteSize();
        this.pio = routing.pio();
        this.mmio = routing.mmio();
        this.msrs = routing.msrs();
        this.handlers = routing.exitHandlers().toArray(ExitHandler[]::new);
        this.census = census;
        this.hyperv = runSize >= ExitDecoder.HYPERV + ExitDecoder.HYPERV_SIZE
                ? run.asSlice(ExitDecoder.HYPERV, ExitDecoder.HYPERV_SIZE) : null;
    }

    /**
     * Acts on one exit. Returns null to enter the guest again, or the status that ends the vCPU.
     * Throws {@link VcpuException} for an exit nobody claims or a malformed one.
     */
    VmExitStatus handle(VcpuExit exit) {
        if (census != null) {
            count(exit);
        }
        switch (exit) {
            case VcpuExit.Io io -> handleIo(io.port(), io.size(), io.isOut(),
                    Integer.toUnsignedLong(io.count()), io.dataOffset());
            case VcpuExit.Mmio m -> handleMmio(m.gpa(), m.size(), m.isWrite(), m.data());
            case VcpuExit.MsrRead m -> answerMsr(msrs.read(vcpu, m.index()));
            case VcpuExit.MsrWrite m -> answerMsr(msrs.write(vcpu, m.index(), m.value()));
            case VcpuExit.Hlt h -> {
                return VmExitStatus.of(VmExitStatus.Reason.HALTED, index, "HLT " + registers());
            }
            case VcpuExit.Shutdown s -> {
                return VmExitStatus.of(VmExitStatus.Reason.SHUTDOWN, index, "triple fault " + registers());
            }
            case VcpuExit.SystemEvent e -> {
                return systemEvent(e);
            }
            case VcpuExit.Interrupted i -> { }
            case VcpuExit.Hyperv h -> offerToHandlers(exit);
            case VcpuExit.InternalError e -> offerToHandlers(exit);
            case VcpuExit.FailEntry e -> offerToHandlers(exit);
            case VcpuExit.Unknown u -> offerToHandlers(exit);
        }
        return null;
    }

    /** Counts the exits that {@link #handleIo} and {@link #handleMmio} do not count themselves. */
    private void count(VcpuExit exit) {
        switch (exit) {
            case VcpuExit.Io io -> { }
            case VcpuExit.Mmio m -> { }
            case VcpuExit.MsrRead m -> census.msr(m.index(), false);
            case VcpuExit.MsrWrite m -> census.msr(m.index(), true);
            case VcpuExit.Hyperv h -> census.hyperv(h.type());
            case VcpuExit.Hlt h -> census.exit(ExitReasons.HLT);
            case VcpuExit.Shutdown s -> census.exit(ExitReasons.SHUTDOWN);
            case VcpuExit.SystemEvent e -> census.exit(ExitReasons.SYSTEM_EVENT);
            case VcpuExit.Interrupted i -> census.exit(ExitReasons.INTR);
            case VcpuExit.InternalError e -> census.exit(ExitReasons.INTERNAL_ERROR);
            case VcpuExit.FailEntry e -> census.exit(ExitReasons.FAIL_ENTRY);
            case VcpuExit.Unknown u -> census.exit(u.reason());
        }
    }

    /** Counts a KVM_EXIT_INTR (a kick) the loop handled without dispatching it. */
    void countInterrupted() {
        if (census != null) {
            census.exit(ExitReasons.INTR);
        }
    }

    void handleIo(int port, int size, boolean out, long count, long offset) {
        if (census != null) {
            census.io(port, out);
        }
        // size, count and offset are guest-influenced: the data must lie inside the mapping.
        if ((size != 1 && size != 2 && size != 4) || count == 0
                || offset < 0 || offset > runSize || count * size > runSize - offset) {
            throw new VcpuException(index, "malformed KVM_EXIT_IO: port 0x%x size %d count %d data offset 0x%x (mapping 0x%x)"
                    .formatted(port, size, count, offset, runSize));
        }
        if (out) {
            for (long i = 0; i < count; i++) {
                pio.write(port, size, load(offset + i * size, size));
            }
        } else {
            for (long i = 0; i < count; i++) {
                store(offset + i * size, size, pio.read(port, size));
            }
        }
    }

    /**
     * KVM_EXIT_HYPERV of type {@code type}, from the loop's fast path: the same handlers, given a
     * view of kvm_run made once.
     */
    VmExitStatus handleHyperv(int type) {
        if (hyperv == null) {
            return handle(ExitDecoder.decode(run)); // a test's short kvm_run: the general path says why
        }
        if (census != null) {
            census.hyperv(type);
        }
        offerToHandlers(new VcpuExit.Hyperv(type, hyperv));
        return null;
    }

    void handleMmio(long gpa, int size, boolean isWrite, long data) {
        if (census != null) {
            census.mmio(mmio.ownerName(gpa), isWrite);
        }
        if (size < 1 || size > 8) {
            throw new VcpuException(index, "malformed KVM_EXIT_MMIO: gpa 0x%x size %d".formatted(gpa, size));
        }
        if (isWrite) {
            mmio.write(gpa, size, data);
        } else {
            run.set(JAVA_LONG, ExitDecoder.MMIO_DATA, mmio.read(gpa, size) & ExitDecoder.mask(size));
        }
    }

    private void answerMsr(MsrAnswer answer) {
        run.set(JAVA_BYTE, ExitDecoder.MSR_ERROR, (byte) (answer.error() ? 1 : 0));
        run.set(JAVA_LONG, ExitDecoder.MSR_DATA, answer.value());
    }

    private VmExitStatus systemEvent(VcpuExit.SystemEvent e) {
        VmExitStatus.Reason reason = switch (e.type()) {
            case VcpuExit.SystemEvent.SHUTDOWN -> VmExitStatus.Reason.POWER_OFF;
            case VcpuExit.SystemEvent.RESET -> VmExitStatus.Reason.RESET;
            case VcpuExit.SystemEvent.CRASH -> VmExitStatus.Reason.CRASH;
            default -> null;
        };
        if (reason == null) {
            offerToHandlers(e);
            return null;
        }
        return VmExitStatus.of(reason, index, "system event %d (flags 0x%x)".formatted(e.type(), e.flags()));
    }

    private void offerToHandlers(VcpuExit exit) {
        for (ExitHandler h : handlers) {
            if (h.handle(vcpu, exit)) {
                return;
            }
        }
        throw new VcpuException(index, "unhandled exit " + exit + " " + registers());
    }

    private long load(long offset, int size) {
        return switch (size) {
            case 1 -> Byte.toUnsignedLong(run.get(JAVA_BYTE, offset));
            case 2 -> Short.toUnsignedLong(run.get(GuestMemory.LE_SHORT, offset));
            default -> Integer.toUnsignedLong(run.get(GuestMemory.LE_INT, offset));
        };
    }

    private void store(long offset, int size, long value) {
        switch (size) {
            case 1 -> run.set(JAVA_BYTE, offset, (byte) value);
            case 2 -> run.set(GuestMemory.LE_SHORT, offset, (short) value);
            default -> run.set(GuestMemory.LE_INT, offset, (int) value);
        }
    }

    /** The registers for a message; never throws (the vCPU may be what is broken). */
    String registers() {
        return vcpu == null ? "[registers unavailable]" : vcpu.registerSummary();
    }
}
