// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.junit.jupiter.api.Assertions.*;
import static org.jvmm.hyperv.HvProto.*;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class HostHvSupportTest {

    @Test
    void kvm61SupportsAllButEvmcs() {
        HostHvSupport h = Kvm61Host.host();
        for (HvFeature f : HvFeature.values()) {
            assertEquals(f != HvFeature.EVMCS, h.supports(f), f.qemuName());
        }
        assertEquals("bit 0x40000004.EAX[14] absent", h.whyUnsupported(HvFeature.EVMCS));
        assertNull(h.whyUnsupported(HvFeature.RELAXED));
    }

    @Test
    void missingBitsAreAllNamed() {
        HostHvSupport h = HostHvSupport.fromHvCpuid(List.of(
                CpuidLeaf.of(0x40000003, 0, 0, 0, 0)), Set.of(KVM_CAP_HYPERV), true);
        assertEquals("bits 0x40000003.EAX[11], 0x40000003.EDX[8] absent",
                h.whyUnsupported(HvFeature.FREQUENCIES));
    }

    @Test
    void vcpuIoctlEvmcsQuirk() {
        Set<Integer> caps = Set.of(KVM_CAP_HYPERV, KVM_CAP_HYPERV_ENLIGHTENED_VMCS);
        assertTrue(HostHvSupport.fromHvCpuid(Kvm61Host.LEAVES, caps, false)
                .supports(HvFeature.EVMCS), "vCPU form: bit added from the capability");
        assertFalse(HostHvSupport.fromHvCpuid(Kvm61Host.LEAVES, caps, true)
                .supports(HvFeature.EVMCS), "system form reports eVMCS itself");
    }

    @Test
    void withoutCapHypervNothingIsSupported() {
        HostHvSupport h = HostHvSupport.fromHvCpuid(Kvm61Host.LEAVES, Set.of(), true);
        assertFalse(h.hypervAvailable());
        assertEquals("no Hyper-V in host KVM (KVM_CAP_HYPERV missing)",
                h.whyUnsupported(HvFeature.RELAXED));
        assertFalse(HostHvSupport.none().supports(HvFeature.RELAXED));
    }

    @Test
    void legacySynthesisMatchesQemu() {
        Set<Integer> caps = Set.of(KVM_CAP_HYPERV, KVM_CAP_HYPERV_TIME, KVM_CAP_HYPERV_SYNIC2,
                KVM_CAP_HYPERV_TLBFLUSH, KVM_CAP_HYPERV_SEND_IPI, KVM_CAP_HYPERV_ENLIGHTENED_VMCS);
        Set<Integer> msrs = Set.of(0x40000022, 0x40000105, 0x40000106, 0x40000003, 0x40000002,
                0x40000010, 0x40000080, 0x400000B0, 0x400000FF);
        HostHvSupport h = HostHvSupport.legacy(caps, msrs);
        assertEquals(List.of(
                // EAX b0-7, 9, 11, 13; EBX b12; EDX b1, 3, 8, 10, 11
                CpuidLeaf.of(0x40000003, 0x00002AFF, 0x00001000, 0, 0x00000D0A),
                // b2, 3, 5, 10, 11, 14
                CpuidLeaf.of(0x40000004, 0x00004C2C, 0, 0, 0)), h.leaves());
        assertTrue(h.supports(HvFeature.SYNDBG));
        assertFalse(h.supports(HvFeature.STIMER_DIRECT));
    }

    @Test
    void legacyReasonsNameTheCapOrMsr() {
        HostHvSupport h = HostHvSupport.legacy(Set.of(KVM_CAP_HYPERV), Set.of());
        assertNull(h.whyUnsupported(HvFeature.RELAXED));
        assertNull(h.whyUnsupported(HvFeature.VAPIC));
        assertEquals("KVM_CAP_HYPERV_TIME missing", h.whyUnsupported(HvFeature.TIME));
        assertEquals("MSR HV_X64_MSR_CRASH_CTL (0x40000105) not in KVM_GET_MSR_INDEX_LIST",
                h.whyUnsupported(HvFeature.CRASH));
        assertEquals("MSR HV_X64_MSR_SCONTROL (0x40000080) not in KVM_GET_MSR_INDEX_LIST,"
                + " KVM_CAP_HYPERV_SYNIC2 missing", h.whyUnsupported(HvFeature.SYNIC));
    }

    /** The reason list and the bit test never disagree, whatever the legacy inputs. */
    @Test
    void legacyReasonAgreesWithBitTest() {
        int[] capPool = {KVM_CAP_HYPERV_TIME, KVM_CAP_HYPERV_SYNIC2, KVM_CAP_HYPERV_TLBFLUSH,
            KVM_CAP_HYPERV_SEND_IPI, KVM_CAP_HYPERV_ENLIGHTENED_VMCS};
        int[] msrPool = {MSR_TSC_FREQUENCY, MSR_CRASH_CTL, MSR_REENLIGHTENMENT_CONTROL, MSR_RESET,
            MSR_VP_INDEX, MSR_VP_RUNTIME, MSR_SCONTROL, MSR_STIMER0_CONFIG, MSR_SYNDBG_OPTIONS};
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 200; i++) {
            Set<Integer> caps = new java.util.HashSet<>(Set.of(KVM_CAP_HYPERV));
            Set<Integer> msrs = new java.util.HashSet<>();
            for (int c : capPool) {
                if (r.nextBoolean()) {
                    caps.add(c);
                }
            }
            for (int m : msrPool) {
                if (r.nextBoolean()) {
                    msrs.add(m);
                }
            }
            HostHvSupport h = HostHvSupport.legacy(caps, msrs);
            for (HvFeature f : HvFeature.values()) {
                boolean needsMet = !f.legacyNeeds().isEmpty() && f.legacyNeeds().stream()
                        .allMatch(n -> n.isCap() ? caps.contains(n.number())
                                : msrs.contains(n.number()));
                assertEquals(needsMet, h.supports(f), f + " caps=" + caps + " msrs=" + msrs);
            }
        }
    }

    @Test
    void fromKvmPicksTheSourceLikeQemu() {
        assertEquals(HostHvSupport.Source.NONE,
                HostHvSupport.fromKvm(Set.of(), Set.of(), Kvm61Host.LEAVES, true).source());
        assertEquals(HostHvSupport.Source.HV_CPUID,
                HostHvSupport.fromKvm(Kvm61Host.CAPS, Set.of(), Kvm61Host.LEAVES, true).source());
        HostHvSupport legacy = HostHvSupport.fromKvm(Set.of(KVM_CAP_HYPERV, KVM_CAP_HYPERV_TIME),
                Set.of(MSR_VP_INDEX), List.of(), false);
        assertEquals(HostHvSupport.Source.LEGACY, legacy.source());
        assertTrue(legacy.supports(HvFeature.TIME));
        assertTrue(legacy.supports(HvFeature.VPINDEX));
        assertFalse(legacy.supports(HvFeature.RUNTIME));
    }
}
