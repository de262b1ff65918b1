// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

class KvmSignatureTest {
    /** KVM_GET_SUPPORTED_CPUID excerpt: a standard leaf plus KVM's two signature leaves. */
    private static final List<CpuidLeaf> SUPPORTED = List.of(
            CpuidLeaf.of(0x00000000, 0x0000000D, 0x68747541, 0x444D4163, 0x69746E65),
            CpuidLeaf.of(0x40000000, 0x40000001, 0x4B4D564B, 0x564B4D56, 0x0000004D),
            CpuidLeaf.of(0x40000001, 0x01007AFB, 0, 0, 0));

    @Test
    void hypervOnMovesKvmTo0x40000100() {
        assertEquals(List.of(
                CpuidLeaf.of(0x40000100, 0x40000101, 0x4B4D564B, 0x564B4D56, 0x0000004D),
                CpuidLeaf.of(0x40000101, 0x01007AFB, 0, 0, 0)),
                KvmSignature.place(SUPPORTED, true, true));
    }

    @Test
    void hypervOffKeepsKvmAt0x40000000() {
        assertEquals(List.of(
                CpuidLeaf.of(0x40000000, 0x40000001, 0x4B4D564B, 0x564B4D56, 0x0000004D),
                CpuidLeaf.of(0x40000001, 0x01007AFB, 0, 0, 0)),
                KvmSignature.place(SUPPORTED, false, true));
    }

    @Test
    void kvmOffDropsThem() {
        assertEquals(List.of(), KvmSignature.place(SUPPORTED, true, false));
        assertEquals(List.of(), KvmSignature.place(SUPPORTED, false, false));
    }

    @Test
    void assembleVisibleAndHidden() {
        HvConfig visible = HvConfig.builder().features(HvFeature.RELAXED).build();
        List<CpuidLeaf> all = HvCpuid.assemble(SUPPORTED, visible, Kvm61Host.host());
        assertEquals(9, all.size());
        assertEquals(0x40000000, all.get(0).function());
        assertEquals(0x7263694D, all.get(0).ebx(), "Hyper-V vendor owns 0x40000000");
        assertEquals(CpuidLeaf.of(0x40000100, 0x40000101, 0x4B4D564B, 0x564B4D56, 0x0000004D),
                all.get(6));
        assertEquals(CpuidLeaf.of(0x40000101, 0x01007AFB, 0, 0, 0), all.get(7));
        assertEquals(0x00000000, all.get(8).function());

        HvConfig hidden = visible.toBuilder().exposeKvm(false).build();
        List<CpuidLeaf> h = HvCpuid.assemble(SUPPORTED, hidden, Kvm61Host.host());
        assertEquals(7, h.size());
        assertTrue(h.stream().noneMatch(l -> l.ebx() == 0x4B4D564B), "no KVMKVMKVM anywhere");
    }
}
