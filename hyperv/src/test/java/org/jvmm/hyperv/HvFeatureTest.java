// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HvFeatureTest {

    @Test
    void orderIsQemusHypervFeatIndex() {
        List<String> names = java.util.Arrays.stream(HvFeature.values())
                .map(HvFeature::qemuName).toList();
        assertEquals(List.of("hv-relaxed", "hv-vapic", "hv-time", "hv-crash", "hv-reset",
                "hv-vpindex", "hv-runtime", "hv-synic", "hv-stimer", "hv-frequencies",
                "hv-reenlightenment", "hv-tlbflush", "hv-evmcs", "hv-ipi", "hv-stimer-direct",
                "hv-avic", "hv-syndbg", "hv-emsr-bitmap", "hv-xmm-input", "hv-tlbflush-ext",
                "hv-tlbflush-direct"), names);
    }

    /**
     * Each feature alone (no validation): 0x40000003 EAX/EBX/EDX, 0x40000004 EAX and 0x4000000A
     * EAX (0 = leaf absent). 0x40000003 always carries EAX b5 (hypercalls) and EDX b3.
     */
    @ParameterizedTest
    @CsvSource({
        "RELAXED,         0x20,   0x00, 0x00008, 0x0020, 0x00000",
        "VAPIC,           0x30,   0x00, 0x00008, 0x0008, 0x00000",
        "TIME,            0x222,  0x00, 0x00008, 0x0000, 0x00000",
        "CRASH,           0x20,   0x00, 0x00408, 0x0000, 0x00000",
        "RESET,           0xA0,   0x00, 0x00008, 0x0000, 0x00000",
        "VPINDEX,         0x60,   0x00, 0x00008, 0x0000, 0x00000",
        "RUNTIME,         0x21,   0x00, 0x00008, 0x0000, 0x00000",
        "SYNIC,           0x24,   0x30, 0x00008, 0x0000, 0x00000",
        "STIMER,          0x28,   0x00, 0x00008, 0x0000, 0x00000",
        "FREQUENCIES,     0x820,  0x00, 0x00108, 0x0000, 0x00000",
        "REENLIGHTENMENT, 0x2020, 0x00, 0x00008, 0x0000, 0x00000",
        "TLBFLUSH,        0x20,   0x00, 0x00008, 0x0804, 0x00000",
        "EVMCS,           0x20,   0x00, 0x00008, 0x4000, 0x00101",
        "IPI,             0x20,   0x00, 0x00008, 0x0C00, 0x00000",
        "STIMER_DIRECT,   0x20,   0x00, 0x80008, 0x0000, 0x00000",
        "AVIC,            0x20,   0x00, 0x00008, 0x0200, 0x00000",
        "SYNDBG,          0x20,   0x00, 0x00808, 0x0000, 0x00000",
        "EMSR_BITMAP,     0x20,   0x00, 0x00008, 0x0000, 0x80000",
        "XMM_INPUT,       0x20,   0x00, 0x00018, 0x0000, 0x00000",
        "TLBFLUSH_EXT,    0x20,   0x00, 0x04008, 0x0000, 0x00000",
        "TLBFLUSH_DIRECT, 0x20,   0x00, 0x00008, 0x0000, 0x20000",
    })
    void featureSetsExactlyItsBits(HvFeature f, String eax3, String ebx3, String edx3,
            String eax4, String eaxA) {
        List<CpuidLeaf> leaves = HvCpuid.build(HvConfig.builder().features(f).build(),
                Kvm61Host.host());
        CpuidLeaf l3 = find(leaves, 0x40000003);
        CpuidLeaf l4 = find(leaves, 0x40000004);
        assertEquals(Integer.decode(eax3), l3.eax(), "0x40000003.EAX");
        assertEquals(Integer.decode(ebx3), l3.ebx(), "0x40000003.EBX");
        assertEquals(0, l3.ecx());
        assertEquals(Integer.decode(edx3), l3.edx(), "0x40000003.EDX");
        assertEquals(Integer.decode(eax4), l4.eax(), "0x40000004.EAX");
        CpuidLeaf la = leaves.stream().filter(l -> l.function() == 0x4000000A).findFirst()
                .orElse(null);
        assertEquals(Integer.decode(eaxA), la == null ? 0 : la.eax(), "0x4000000A.EAX");
    }

    @Test
    void dependenciesMatchQemusTable() {
        assertEquals(List.of(HvFeature.TIME, HvFeature.SYNIC),
                HvFeature.STIMER.dependencies());
        assertEquals(List.of(HvFeature.RELAXED, HvFeature.SYNIC),
                HvFeature.SYNDBG.dependencies());
        assertEquals(List.of(HvFeature.VPINDEX), HvFeature.TLBFLUSH.dependencies());
        assertEquals(List.of(HvFeature.VAPIC), HvFeature.EVMCS.dependencies());
        assertEquals(List.of(HvFeature.VPINDEX), HvFeature.IPI.dependencies());
        assertEquals(List.of(HvFeature.STIMER), HvFeature.STIMER_DIRECT.dependencies());
        assertEquals(List.of(HvFeature.TLBFLUSH), HvFeature.TLBFLUSH_EXT.dependencies());
        assertEquals(List.of(HvFeature.VAPIC), HvFeature.TLBFLUSH_DIRECT.dependencies());
        assertTrue(HvFeature.SYNIC.dependencies().isEmpty(), "synic->vpindex is outside the table");
        assertTrue(HvFeature.SYNDBG.skipPassthrough());
        assertEquals(1, java.util.Arrays.stream(HvFeature.values())
                .filter(HvFeature::skipPassthrough).count());
    }

    @Test
    void lookupByNameAcceptsUnderscoresAndApicvAlias() {
        assertEquals(HvFeature.RELAXED, HvFeature.byQemuName("hv_relaxed").orElseThrow());
        assertEquals(HvFeature.AVIC, HvFeature.byQemuName("hv-apicv").orElseThrow());
        assertEquals(HvFeature.EMSR_BITMAP, HvFeature.byLibvirtName("emsr_bitmap").orElseThrow());
        assertTrue(HvFeature.byQemuName("hv-nope").isEmpty());
        assertTrue(HvFeature.byLibvirtName("time").isEmpty());
    }

    static CpuidLeaf find(List<CpuidLeaf> leaves, int fn) {
        return leaves.stream().filter(l -> l.function() == fn).findFirst()
                .orElseThrow(() -> new AssertionError("no leaf 0x" + Integer.toHexString(fn)));
    }
}
