// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import java.util.HashMap;
import java.util.Map;

/**
 * What one vCPU loop saw: its exits by reason, port I/O by port and direction, MMIO by device,
 * MSR exits by index, KVM_EXIT_HYPERV by type.
 *
 * <p>Confined to the vCPU thread: only that thread counts, with plain fields and no locks, so
 * counting costs an array lookup per exit. Nobody else reads the fields: the loop hands a
 * {@link #snapshot()} to other threads through a volatile field when it ends (see
 * {@code VcpuLoop}), and that volatile write and read are the happens-before edge that makes the
 * counts visible.
 */
public final class ExitCensus {
    public static final String EXITS = "exits";
    public static final String PIO = "pio";
    public static final String MMIO = "mmio";
    public static final String MSR = "msr";
    public static final String HYPERV = "hyperv";
    /** The key under which keys past {@link CounterMap#MAX_KEYS} are counted. */
    public static final String OTHER = "other";

    private final CounterMap reasons = new CounterMap();
    private final CounterMap pio = new CounterMap();
    private final CounterMap msr = new CounterMap();
    private final CounterMap hyperv = new CounterMap();
    /** Device name → {reads, writes}; bounded by the devices on the bus (plus "unclaimed"). */
    private final Map<String, long[]> mmio = new HashMap<>();

    /** One KVM_EXIT_IO of {@code port}, whatever its repeat count. */
    public void io(int port, boolean out) {
        reasons.increment(ExitReasons.IO);
        pio.increment((long) port << 1 | (out ? 1 : 0));
    }

    /** One KVM_EXIT_MMIO that {@code device} (null: no device) owns. */
    public void mmio(String device, boolean write) {
        reasons.increment(ExitReasons.MMIO);
        mmio.computeIfAbsent(device == null ? "unclaimed" : device, d -> new long[2])[write ? 1 : 0]++;
    }

    /** One KVM_EXIT_X86_RDMSR ({@code write} false) or _WRMSR of {@code index}. */
    public void msr(int index, boolean write) {
        reasons.increment(write ? ExitReasons.X86_WRMSR : ExitReasons.X86_RDMSR);
        msr.increment(Integer.toUnsignedLong(index) << 1 | (write ? 1 : 0));
    }

    /** One KVM_EXIT_HYPERV of {@code type} (KVM_EXIT_HYPERV_SYNIC, _HCALL, ...). */
    public void hyperv(int type) {
        reasons.increment(ExitReasons.HYPERV);
        hyperv.increment(type);
    }

    /** Any other exit, by its KVM_EXIT_* number (KVM_RUN's EINTR counts as KVM_EXIT_INTR). */
    public void exit(int reason) {
        reasons.increment(reason);
    }

    /** A copy of the counts. Call it on the counting thread, or after it ended. */
    public CountGroups snapshot() {
        CountGroups.Builder b = new CountGroups.Builder();
        reasons.forEach((r, n) -> b.add(EXITS, ExitReasons.name((int) r), n));
        b.add(EXITS, OTHER, reasons.overflow());
        pio.forEach((k, n) -> b.add(PIO, "0x%04x %s".formatted(k >>> 1, (k & 1) != 0 ? "out" : "in"), n));
        b.add(PIO, OTHER, pio.overflow());
        msr.forEach((k, n) -> b.add(MSR, "0x%08x %s".formatted(k >>> 1, (k & 1) != 0 ? "wrmsr" : "rdmsr"), n));
        b.add(MSR, OTHER, msr.overflow());
        hyperv.forEach((t, n) -> b.add(HYPERV, ExitReasons.hypervType((int) t), n));
        mmio.forEach((d, rw) -> {
            b.add(MMIO, d + " read", rw[0]);
            b.add(MMIO, d + " write", rw[1]);
        });
        return b.build();
    }
}
