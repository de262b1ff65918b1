// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.vmm.kvm.KvmException;
import org.jvmm.vmm.kvm.MsrEntry;

/** The per-vCPU Hyper-V set-up against a recording vCPU: QEMU's order, values and errors. */
class HvVcpuInitTest {

    /** Records every call; can refuse one capability and answer VP_INDEX reads. */
    static final class RecordingPort implements HvVcpuPort {
        final int index;
        final List<String> calls = new ArrayList<>();
        final List<MsrEntry> written = new ArrayList<>();
        int refuseCap = -1;
        long vpIndexValue;
        int evmcsRange = 0x0101;

        RecordingPort(int index) {
            this.index = index;
            this.vpIndexValue = index;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public void enableCap(int cap, long arg0) {
            calls.add("enableCap " + cap + " " + arg0);
            if (cap == refuseCap) {
                throw new KvmException("KVM_ENABLE_CAP", 0x4068aea3L, 22, "vcpu " + index + " cap " + cap);
            }
        }

        @Override
        public int enableEnlightenedVmcs(int cap) {
            calls.add("enableEvmcs " + cap);
            if (cap == refuseCap) {
                throw new KvmException("KVM_ENABLE_CAP", 0x4068aea3L, 25, "cap " + cap);
            }
            return evmcsRange;
        }

        @Override
        public List<MsrEntry> getMsrs(int msr) {
            calls.add("getMsrs 0x" + Integer.toHexString(msr));
            return List.of(new MsrEntry(msr, vpIndexValue));
        }

        boolean refuseMsrs;

        @Override
        public void setMsrs(List<MsrEntry> entries) {
            calls.add("setMsrs " + entries.size());
            if (refuseMsrs) {
                throw new org.jvmm.vmm.VmmException("vcpu %d: KVM_SET_MSRS refused MSR 0x%x (set 0 of %d)"
                        .formatted(index, entries.get(0).index(), entries.size()));
            }
            written.addAll(entries);
        }
    }

    static HvConfig config(HvFeature... f) {
        HvConfig.Builder b = HvConfig.builder();
        for (HvFeature x : f) {
            b.feature(x, true);
        }
        return b.build();
    }

    @Test
    void capabilitiesInQemuOrder() {
        HvConfig c = config(HvFeature.VPINDEX, HvFeature.SYNIC, HvFeature.VAPIC, HvFeature.EVMCS)
                .toBuilder().enforceCpuid(true).build();
        RecordingPort p = new RecordingPort(1);
        new HvVcpuInit(c, LabLikeHost.facts()).beforeCpuid(p);
        assertEquals(List.of("enableCap 148 0", "enableEvmcs 163", "enableCap 199 1"), p.calls);
    }

    @Test
    void vpIndexIsReadBackWhenTheHostCannotSetIt() {
        RecordingPort p = new RecordingPort(2);
        new HvVcpuInit(config(HvFeature.VPINDEX), LabLikeHost.facts(false)).beforeCpuid(p);
        assertEquals(List.of("getMsrs 0x40000002"), p.calls);
        p.vpIndexValue = 5;
        HvConfigException e = assertThrows(HvConfigException.class,
                () -> new HvVcpuInit(config(HvFeature.VPINDEX), LabLikeHost.facts(false)).beforeCpuid(p));
        assertEquals("Hyper-V: vcpu 2: kernel's vp_index 5 differs from jvmm's 2", e.getMessage());
    }

    @Test
    void refusedCapabilitiesAreOneLineErrors() {
        RecordingPort p = new RecordingPort(0);
        p.refuseCap = 148;
        HvConfigException synic = assertThrows(HvConfigException.class,
                () -> new HvVcpuInit(config(HvFeature.VPINDEX, HvFeature.SYNIC), LabLikeHost.facts()).beforeCpuid(p));
        assertEquals("Hyper-V: vcpu 0: could not enable SynIC in KVM (KVM_CAP_HYPERV_SYNIC2): EINVAL (22)",
                synic.getMessage());
        p.refuseCap = 199;
        HvConfigException enforce = assertThrows(HvConfigException.class, () -> new HvVcpuInit(
                config(HvFeature.RELAXED).toBuilder().enforceCpuid(true).build(), LabLikeHost.facts()).beforeCpuid(p));
        assertEquals("Hyper-V: vcpu 0: could not enable KVM_CAP_HYPERV_ENFORCE_CPUID: EINVAL (22)", enforce.getMessage());
        p.refuseCap = 163;
        HvConfigException evmcs = assertThrows(HvConfigException.class,
                () -> new HvVcpuInit(config(HvFeature.VAPIC, HvFeature.EVMCS), LabLikeHost.facts()).beforeCpuid(p));
        assertTrue(evmcs.getMessage().startsWith("Hyper-V enlightened VMCS (hv-evmcs) is not supported by the host kernel"),
                evmcs.getMessage());
    }

    @Test
    void evmcsVersionRangeMustContainOne() {
        HvVcpuInit.checkEvmcsRange(0x0101);
        HvVcpuInit.checkEvmcsRange(0x0201);
        HvConfigException e = assertThrows(HvConfigException.class, () -> HvVcpuInit.checkEvmcsRange(0x0302));
        assertEquals("Hyper-V enlightened VMCS (hv-evmcs): requested version range [1..1] is not supported by the kernel [2..3]",
                e.getMessage());
        assertThrows(HvConfigException.class, () -> HvVcpuInit.checkEvmcsRange(0));
    }

    @Test
    void resetMsrsForTheFirstAndASecondVcpu() {
        HvVcpuInit init = new HvVcpuInit(config(HvFeature.VPINDEX, HvFeature.SYNIC, HvFeature.TIME), LabLikeHost.facts());
        List<MsrEntry> first = init.resetMsrs(0);
        List<MsrEntry> second = init.resetMsrs(1);
        assertEquals(new MsrEntry(0x40000000, 0), first.get(0), "GUEST_OS_ID from the first CPU only");
        assertTrue(first.contains(new MsrEntry(0x40000021, 0)), "REFERENCE_TSC with hv-time");
        assertTrue(second.stream().noneMatch(m -> m.index() == 0x40000000 || m.index() == 0x40000021));
        assertTrue(second.contains(new MsrEntry(0x40000002, 1)), "VP_INDEX = vCPU index");
        assertTrue(second.contains(new MsrEntry(0x40000105, 1L << 63)), "CRASH_CTL listed by KVM: CRASH_NOTIFY");
        assertTrue(second.contains(new MsrEntry(0x40000081, 1)), "SVERSION");
        for (int s = 0; s < 16; s++) {
            assertTrue(second.contains(new MsrEntry(0x40000090 + s, 0x10000)), "SINT" + s + " masked");
        }
        assertTrue(second.contains(new MsrEntry(0x400000B7, 0)), "STIMER3_COUNT (KVM lists STIMER0_CONFIG)");
        int config3 = second.indexOf(new MsrEntry(0x400000B6, 0));
        int count0 = second.indexOf(new MsrEntry(0x400000B1, 0));
        assertTrue(config3 < count0, "all STIMER configs before the counts");
    }

    @Test
    void resetMsrsFollowWhatKvmListsAndWhatIsEnabled() {
        HostHvFacts bare = new HostHvFacts(LabLikeHost.facts().caps(), HostHvFacts.HvCpuidForm.SYSTEM,
                LabLikeHost.LEAVES, java.util.Set.of(), LabLikeHost.facts().support());
        List<MsrEntry> m = new HvVcpuInit(config(HvFeature.RELAXED), bare).resetMsrs(1);
        assertEquals(List.of(), m, "nothing per-vCPU without vpindex/synic/vapic and listed MSRs");
        List<MsrEntry> noCap = new HvVcpuInit(config(HvFeature.VPINDEX), LabLikeHost.facts(false)).resetMsrs(1);
        assertTrue(noCap.stream().noneMatch(e -> e.index() == 0x40000002), "VP_INDEX not settable: not written");
        RecordingPort p = new RecordingPort(1);
        new HvVcpuInit(config(HvFeature.VPINDEX), LabLikeHost.facts()).afterCpuid(p);
        assertEquals(1, p.calls.size(), "one KVM_SET_MSRS");
        p.refuseMsrs = true;
        HvConfigException e = assertThrows(HvConfigException.class,
                () -> new HvVcpuInit(config(HvFeature.VPINDEX), LabLikeHost.facts()).afterCpuid(p));
        assertTrue(e.getMessage().startsWith("Hyper-V reset MSRs: vcpu 1: KVM_SET_MSRS refused MSR 0x"), e.getMessage());
    }
}
