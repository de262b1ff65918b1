// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import static org.jvmm.bindings.kvm.kvm_h.KVM_CAP_X86_MSR_FILTER;
import static org.jvmm.bindings.kvm.kvm_h.KVM_CAP_X86_USER_SPACE_MSR;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.kvm.MsrEntry;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.spi.CensusSink;
import org.jvmm.vmm.spi.HandlerRegistry;
import org.jvmm.vmm.spi.MsrAnswer;
import org.jvmm.vmm.spi.MsrFilterRange;
import org.jvmm.vmm.spi.MsrHandler;
import org.jvmm.vmm.spi.VmExtension;

/**
 * MSRs whose guest accesses are counted ({@code jvmm run --count-msrs}): their ranges go into the
 * machine's one MSR filter (denied for read and write, so every RDMSR/WRMSR exits to userspace,
 * where the vCPU loop's census counts it by index), and the handler then performs the access on
 * the same vCPU with KVM_GET_MSRS / KVM_SET_MSRS, so KVM's own emulation gives the result.
 *
 * <p>Why that does not loop back into the filter: KVM consults the filter only for accesses the
 * guest makes (arch/x86/kvm/x86.c: {@code kvm_get_msr_with_filter} and
 * {@code kvm_set_msr_with_filter} call {@code kvm_msr_allowed}); KVM_GET_MSRS and KVM_SET_MSRS
 * are host-initiated ({@code host_initiated = true}) and go straight to the MSR code. The
 * difference that remains: host-initiated accesses skip the checks KVM makes for the guest alone,
 * such as a CPUID feature the guest lacks (MSR_TSC_AUX without RDTSCP, a Hyper-V MSR whose
 * feature bit is off under hv-enforce-cpuid), and a few MSRs mean something else when the host
 * writes them (a host write of IA32_TSC synchronizes instead of adjusting). Count MSRs the guest
 * is allowed to use and whose host write is the guest's; for those the guest sees what it would
 * have. An access KVM refuses becomes #GP in the guest, as KVM itself would inject.
 */
public final class CountedMsrs implements VmExtension {
    /** KVM_GET_MSRS refuses more entries than this at once (MAX_IO_MSRS in x86.c). */
    private static final int BATCH = 255;

    /** The census group of written values by class ({@link MsrDataClasses}). */
    public static final String DATA_GROUP = "msr-data";

    private final List<MsrFilterRange> ranges;
    private final MsrDataClasses classes;
    /**
     * Per vCPU: written values by (MSR, class). Each map is written only by its vCPU's thread (the
     * MSR exit is handled where it was taken) and read by {@link #census} after the loops ended,
     * which the census contract orders after every write; the outer map is concurrent only so a
     * vCPU can add its own.
     */
    private final Map<Integer, CounterMap> written = new ConcurrentHashMap<>();

    /** Thrown at build time for an MSR KVM does not let even the host read. */
    public static final class RefusedMsrException extends VmmException {
        private final int msr;

        RefusedMsrException(int msr) {
            super("MSR 0x%x cannot be counted: KVM refuses it on this host (KVM_GET_MSRS and KVM_SET_MSRS)".formatted(msr));
            this.msr = msr;
        }

        public int msr() {
            return msr;
        }
    }

    /** Counts guest reads and writes of every MSR in {@code ranges}. */
    public CountedMsrs(List<MsrFilterRange> ranges) {
        this(ranges, MsrDataClasses.NONE);
    }

    /** As {@link #CountedMsrs(List)}, also counting written values by {@code classes}. */
    public CountedMsrs(List<MsrFilterRange> ranges, MsrDataClasses classes) {
        this.ranges = List.copyOf(ranges);
        this.classes = classes;
    }

    @Override
    public String name() {
        return "counted MSRs";
    }

    @Override
    public void vmCreated(Vm vm) {
        if (vm.checkExtension(KVM_CAP_X86_MSR_FILTER()) <= 0 || vm.checkExtension(KVM_CAP_X86_USER_SPACE_MSR()) <= 0) {
            throw new VmmException("this host's KVM cannot send MSR accesses to userspace"
                    + " (no KVM_CAP_X86_MSR_FILTER or KVM_CAP_X86_USER_SPACE_MSR), so MSRs cannot be counted");
        }
    }

    @Override
    public List<MsrFilterRange> msrFilter() {
        return ranges;
    }

    @Override
    public void registerHandlers(HandlerRegistry registry, GuestMemory memory) {
        for (MsrFilterRange r : ranges) {
            registry.msrHandler(r.first(), r.count(), passThrough, name());
        }
    }

    /** On vCPU 0, once its CPUID is set: every counted MSR must be one KVM can read or write. */
    @Override
    public void vcpuConfigured(Vcpu vcpu) {
        if (vcpu.index() != 0) {
            return;
        }
        List<Integer> all = new ArrayList<>();
        for (MsrFilterRange r : ranges) {
            for (int i = 0; i < r.count(); i++) {
                all.add(r.first() + i);
            }
        }
        int from = 0;
        while (from < all.size()) {
            int[] batch = all.subList(from, Math.min(all.size(), from + BATCH)).stream().mapToInt(Integer::intValue).toArray();
            int read = vcpu.getMsrs(batch).size(); // KVM_GET_MSRS stops at the first it refuses
            from += read;
            if (read < batch.length) {
                probeWriteOnly(vcpu, batch[read]);
                from++;
            }
        }
    }

    /**
     * An MSR the host cannot read may still be one KVM handles: a write-only one, such as
     * HV_X64_MSR_EOI (the APIC's EOI register is not readable, arch/x86/kvm/lapic.c). Such an MSR
     * is written once with 0 before the guest runs: for an EOI that ends no interrupt, as none is
     * in service yet. Refused only if KVM takes neither.
     */
    private static void probeWriteOnly(Vcpu vcpu, int msr) {
        try {
            vcpu.setMsrs(List.of(new MsrEntry(msr, 0)));
        } catch (VmmException refused) {
            throw new RefusedMsrException(msr);
        }
    }

    /** Performs the guest's access through KVM, on the vCPU thread that took the exit. */
    private final MsrHandler passThrough = new MsrHandler() {
        @Override
        public MsrAnswer read(Vcpu vcpu, int index) {
            List<MsrEntry> got = vcpu.getMsrs(index);
            return got.isEmpty() ? MsrAnswer.FAULT : MsrAnswer.value(got.get(0).data());
        }

        @Override
        public MsrAnswer write(Vcpu vcpu, int index, long value) {
            int dataClass = classes.classify(index, value);
            if (dataClass >= 0) {
                CounterMap mine = written.get(vcpu.index());
                if (mine == null) {
                    mine = written.computeIfAbsent(vcpu.index(), v -> new CounterMap());
                }
                mine.increment(Integer.toUnsignedLong(index) << 24 | (dataClass & 0xFFFFFF));
            }
            try {
                vcpu.setMsrs(List.of(new MsrEntry(index, value)));
                return MsrAnswer.OK;
            } catch (VmmException refused) {
                return MsrAnswer.FAULT; // KVM refused the value: the guest gets the #GP KVM would give
            }
        }
    };

    /** Written values by class: key "0x40000071 ICR Fixed self vec 0x40". */
    @Override
    public void census(CensusSink sink) {
        written.forEach((vcpu, counts) -> {
            counts.forEach((key, n) -> {
                int msr = (int) (key >>> 24);
                sink.add(vcpu, DATA_GROUP, "0x%08x %s".formatted(msr, classes.describe(msr, (int) (key & 0xFFFFFF))), n);
            });
            sink.add(vcpu, DATA_GROUP, ExitCensus.OTHER, counts.overflow());
        });
    }
}
