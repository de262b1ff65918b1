// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.exit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.jvmm.bindings.kvm.kvm_h.*;

import java.lang.foreign.MemorySegment;
import org.jvmm.bindings.kvm.kvm_hyperv_exit;
import org.jvmm.bindings.kvm.kvm_run;

/**
 * Turns {@code kvm_run} after KVM_RUN into a {@link VcpuExit}. It only decodes: it never acts,
 * never throws for an exit reason it does not know ({@link VcpuExit.Unknown}), and never trusts a
 * count that sizes an array (the internal-error data is clamped to the struct).
 *
 * <p>Field positions are the bindings' offsets, summed once into constants so the hot path reads
 * each field straight from the mapping without making slices. Exits without data are shared
 * instances; IO and MMIO records are small and short-lived, which the JIT's escape analysis
 * removes when the loop inlines the decoder (see {@code scripts/bench-exits}).
 */
public final class ExitDecoder {
    private ExitDecoder() {}

    private static final int EINTR = 4;

    public static final long EXIT_REASON = kvm_run.exit_reason$offset();
    private static final long IO = kvm_run.io$offset();
    public static final long IO_DIRECTION = IO + kvm_run.io.direction$offset();
    public static final long IO_SIZE = IO + kvm_run.io.size$offset();
    public static final long IO_PORT = IO + kvm_run.io.port$offset();
    public static final long IO_COUNT = IO + kvm_run.io.count$offset();
    public static final long IO_DATA_OFFSET = IO + kvm_run.io.data_offset$offset();
    private static final long MMIO = kvm_run.mmio$offset();
    /** Where the loop writes the value of an MMIO read. */
    public static final long MMIO_PHYS_ADDR = MMIO + kvm_run.mmio.phys_addr$offset();
    public static final long MMIO_DATA = MMIO + kvm_run.mmio.data$offset();
    public static final long MMIO_LEN = MMIO + kvm_run.mmio.len$offset();
    public static final long MMIO_IS_WRITE = MMIO + kvm_run.mmio.is_write$offset();
    private static final long SYSTEM_EVENT = kvm_run.system_event$offset();
    static final long SYSTEM_EVENT_TYPE = SYSTEM_EVENT + kvm_run.system_event.type$offset();
    static final long SYSTEM_EVENT_FLAGS = SYSTEM_EVENT + kvm_run.system_event.flags$offset();
    private static final long INTERNAL = kvm_run.internal$offset();
    static final long INTERNAL_SUBERROR = INTERNAL + kvm_run.internal.suberror$offset();
    static final long INTERNAL_NDATA = INTERNAL + kvm_run.internal.ndata$offset();
    static final long INTERNAL_DATA = INTERNAL + kvm_run.internal.data$offset();
    static final int INTERNAL_DATA_MAX = 16;
    private static final long FAIL_ENTRY = kvm_run.fail_entry$offset();
    static final long FAIL_ENTRY_REASON = FAIL_ENTRY + kvm_run.fail_entry.hardware_entry_failure_reason$offset();
    static final long FAIL_ENTRY_CPU = FAIL_ENTRY + kvm_run.fail_entry.cpu$offset();
    private static final long MSR = kvm_run.msr$offset();
    /** Where the loop writes the answer to an MSR exit. */
    public static final long MSR_ERROR = MSR + kvm_run.msr.error$offset();
    public static final long MSR_DATA = MSR + kvm_run.msr.data$offset();
    static final long MSR_REASON = MSR + kvm_run.msr.reason$offset();
    static final long MSR_INDEX = MSR + kvm_run.msr.index$offset();
    /** The {@code struct kvm_hyperv_exit} inside {@code kvm_run}, for a view made once per vCPU. */
    public static final long HYPERV = kvm_run.hyperv$offset();
    public static final long HYPERV_SIZE = kvm_hyperv_exit.sizeof();
    /** The {@code immediate_exit} byte the kick sets. */
    public static final long IMMEDIATE_EXIT = kvm_run.immediate_exit$offset();

    /** KVM_EXIT_IO, KVM_EXIT_MMIO and KVM_EXIT_HYPERV, for the loop's fast paths. */
    public static final int EXIT_IO = KVM_EXIT_IO();
    public static final int EXIT_MMIO = KVM_EXIT_MMIO();
    public static final int EXIT_HYPERV = KVM_EXIT_HYPERV();
    private static final int EXIT_HLT = KVM_EXIT_HLT();
    private static final int EXIT_SHUTDOWN = KVM_EXIT_SHUTDOWN();
    private static final int EXIT_SYSTEM_EVENT = KVM_EXIT_SYSTEM_EVENT();
    private static final int EXIT_INTERNAL_ERROR = KVM_EXIT_INTERNAL_ERROR();
    private static final int EXIT_FAIL_ENTRY = KVM_EXIT_FAIL_ENTRY();
    private static final int EXIT_RDMSR = KVM_EXIT_X86_RDMSR();
    private static final int EXIT_WRMSR = KVM_EXIT_X86_WRMSR();
    private static final int EXIT_INTR = KVM_EXIT_INTR();

    /**
     * Decodes the outcome of KVM_RUN: {@code result} is what {@code Vcpu.run()} returned (0 or
     * {@code -errno}) and {@code run} the vCPU's mapping. {@code -EINTR} is the kick and decodes
     * to {@link VcpuExit#INTERRUPTED}; any other negative result is not an exit and is rejected.
     */
    public static VcpuExit decode(int result, MemorySegment run) {
        if (result == -EINTR) {
            return VcpuExit.INTERRUPTED;
        }
        if (result < 0) {
            throw new IllegalArgumentException("KVM_RUN failed with errno " + -result + "; that is not an exit");
        }
        return decode(run);
    }

    /** Decodes the exit stored in {@code run} (a {@code kvm_run}-shaped segment). */
    public static VcpuExit decode(MemorySegment run) {
        int reason = run.get(JAVA_INT, EXIT_REASON);
        if (reason == EXIT_IO) {
            return new VcpuExit.Io(Short.toUnsignedInt(run.get(JAVA_SHORT, IO_PORT)),
                    Byte.toUnsignedInt(run.get(JAVA_BYTE, IO_SIZE)),
                    Byte.toUnsignedInt(run.get(JAVA_BYTE, IO_DIRECTION)),
                    run.get(JAVA_INT, IO_COUNT),
                    run.get(JAVA_LONG, IO_DATA_OFFSET));
        } else if (reason == EXIT_MMIO) {
            int len = run.get(JAVA_INT, MMIO_LEN);
            boolean write = run.get(JAVA_BYTE, MMIO_IS_WRITE) != 0;
            long data = write ? run.get(JAVA_LONG, MMIO_DATA) & mask(len) : 0;
            return new VcpuExit.Mmio(run.get(JAVA_LONG, MMIO_PHYS_ADDR), len, write, data);
        }
        return decodeRare(reason, run);
    }

    private static VcpuExit decodeRare(int reason, MemorySegment run) {
        if (reason == EXIT_HLT) {
            return VcpuExit.HLT;
        } else if (reason == EXIT_SHUTDOWN) {
            return VcpuExit.SHUTDOWN;
        } else if (reason == EXIT_INTR) {
            return VcpuExit.INTERRUPTED;
        } else if (reason == EXIT_RDMSR) {
            return new VcpuExit.MsrRead(run.get(JAVA_INT, MSR_INDEX), run.get(JAVA_INT, MSR_REASON));
        } else if (reason == EXIT_WRMSR) {
            return new VcpuExit.MsrWrite(run.get(JAVA_INT, MSR_INDEX), run.get(JAVA_LONG, MSR_DATA),
                    run.get(JAVA_INT, MSR_REASON));
        } else if (reason == EXIT_SYSTEM_EVENT) {
            return new VcpuExit.SystemEvent(run.get(JAVA_INT, SYSTEM_EVENT_TYPE), run.get(JAVA_LONG, SYSTEM_EVENT_FLAGS));
        } else if (reason == EXIT_HYPERV) {
            MemorySegment hv = run.asSlice(HYPERV, HYPERV_SIZE);
            return new VcpuExit.Hyperv(kvm_hyperv_exit.type(hv), hv);
        } else if (reason == EXIT_INTERNAL_ERROR) {
            int n = Math.clamp(Integer.toUnsignedLong(run.get(JAVA_INT, INTERNAL_NDATA)), 0, INTERNAL_DATA_MAX);
            long[] data = new long[n];
            for (int i = 0; i < n; i++) {
                data[i] = run.get(JAVA_LONG, INTERNAL_DATA + 8L * i);
            }
            return new VcpuExit.InternalError(run.get(JAVA_INT, INTERNAL_SUBERROR), data);
        } else if (reason == EXIT_FAIL_ENTRY) {
            return new VcpuExit.FailEntry(run.get(JAVA_LONG, FAIL_ENTRY_REASON), run.get(JAVA_INT, FAIL_ENTRY_CPU));
        }
        return new VcpuExit.Unknown(reason);
    }

    /** The low {@code size} bytes of a long, for sizes 1..8; other sizes keep all 8. */
    public static long mask(int size) {
        return size >= 1 && size < 8 ? (1L << (size * 8)) - 1 : -1L;
    }
}
