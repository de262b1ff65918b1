// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.junit.jupiter.api.Assertions.*;
import static org.jvmm.hyperv.HvFeature.*;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Whole leaf lists, expected values written as literals from the QEMU facts. */
class HvCpuidTest {
    // "Microsoft Hv" as EBX/ECX/EDX
    private static final int MS1 = 0x7263694D;
    private static final int MS2 = 0x666F736F;
    private static final int MS3 = 0x76482074;

    private static final HostHvSupport HOST = Kvm61Host.host();

    @Test
    void windowsVirtInstallSet() {
        HvConfig c = HvConfig.builder().features(TIME, RELAXED, VAPIC, VPINDEX, RUNTIME, SYNIC,
                STIMER, STIMER_DIRECT, FREQUENCIES, TLBFLUSH, IPI, AVIC).spinlocks(8191).build();
        assertEquals(List.of(
                CpuidLeaf.of(0x40000000, 0x40000005, MS1, MS2, MS3),
                CpuidLeaf.of(0x40000001, 0x31237648, 0, 0, 0),
                CpuidLeaf.of(0x40000002, 0x00003839, 0x000A0000, 0, 0),
                CpuidLeaf.of(0x40000003, 0x00000A7F, 0x00000030, 0, 0x00080108),
                CpuidLeaf.of(0x40000004, 0x00000E24, 0x00001FFF, 0, 0),
                CpuidLeaf.of(0x40000005, 0xFFFFFFFF, 0x00000040, 0, 0)),
                HvCpuid.build(HvValidator.resolve(c, HOST), HOST));
    }

    @Test
    void vapicWithoutAvicRecommendsMsrApicAccess() {
        HvConfig c = HvConfig.builder().features(VAPIC).build();
        assertEquals(0x00000008, HvFeatureTest.find(HvCpuid.build(c, HOST), 0x40000004).eax());
    }

    @Test
    void relaxedOnly() {
        HvConfig c = HvConfig.builder().features(RELAXED).build();
        assertEquals(List.of(
                CpuidLeaf.of(0x40000000, 0x40000005, MS1, MS2, MS3),
                CpuidLeaf.of(0x40000001, 0x31237648, 0, 0, 0),
                CpuidLeaf.of(0x40000002, 0x00003839, 0x000A0000, 0, 0),
                CpuidLeaf.of(0x40000003, 0x00000020, 0, 0, 0x00000008),
                CpuidLeaf.of(0x40000004, 0x00000020, 0xFFFFFFFF, 0, 0),
                CpuidLeaf.of(0x40000005, 0xFFFFFFFF, 0x00000040, 0, 0)),
                HvCpuid.build(c, HOST));
    }

    @Test
    void nothingRequestedMeansNoLeaves() {
        assertEquals(List.of(), HvCpuid.build(HvConfig.defaults(), HOST));
        // vendor id, version and enforce-cpuid alone do not switch Hyper-V on
        HvConfig c = HvConfig.builder().vendorId("X").enforceCpuid(true)
                .noNonarchCoresharing(OnOffAuto.ON).build();
        assertEquals(List.of(), HvCpuid.build(c, HOST));
    }

    @Test
    void spinlocksAloneSwitchHypervOn() {
        HvConfig c = HvConfig.builder().spinlocks(0x1fff).build();
        List<CpuidLeaf> l = HvCpuid.build(c, HOST);
        assertEquals(CpuidLeaf.of(0x40000003, 0x00000020, 0, 0, 0x00000008), l.get(3));
        assertEquals(CpuidLeaf.of(0x40000004, 0, 0x00001FFF, 0, 0), l.get(4));
    }

    @Test
    void noHostHypervMeansNoLeaves() {
        HvConfig c = HvConfig.builder().features(RELAXED).build();
        assertEquals(List.of(), HvCpuid.build(c, HostHvSupport.none()));
    }

    @Test
    void vendorIdPaddedAndTruncated() {
        HvConfig kvm = HvConfig.builder().features(RELAXED).vendorId("KVMKVMKVM").build();
        assertEquals(CpuidLeaf.of(0x40000000, 0x40000005, 0x4B4D564B, 0x564B4D56, 0x0000004D),
                HvCpuid.build(kvm, HOST).get(0));
        HvConfig longId = HvConfig.builder().features(RELAXED).vendorId("0123456789abcdef").build();
        assertEquals(CpuidLeaf.of(0x40000000, 0x40000005, 0x33323130, 0x37363534, 0x62613938),
                HvCpuid.build(longId, HOST).get(0));
        HvConfig empty = HvConfig.builder().features(RELAXED).vendorId("").build();
        assertEquals(CpuidLeaf.of(0x40000000, 0x40000005, 0, 0, 0), HvCpuid.build(empty, HOST).get(0));
    }

    @Test
    void versionIdFields() {
        HvConfig c = HvConfig.builder().features(RELAXED)
                .version(new HvConfig.HvVersion(0x1bbc, 6, 1, 0x11, 0x22, 0x1234567)).build();
        // snumber is masked to 24 bits, sbranch goes to EDX[31:24]
        assertEquals(CpuidLeaf.of(0x40000002, 0x00001BBC, 0x00060001, 0x11, 0x22234567),
                HvCpuid.build(c, HOST).get(2));
    }

    @Test
    void maxVps() {
        HvConfig c = HvConfig.builder().features(RELAXED).maxVps(0x40).build();
        assertEquals(CpuidLeaf.of(0x40000005, 0x40, 0x40, 0, 0), HvCpuid.build(c, HOST).get(5));
    }

    @Test
    void passthroughOnKvm61() {
        HvConfig c = HvConfig.builder().passthrough(true).build();
        HvConfig eff = HvValidator.resolve(c, HOST);
        int lnx1 = 0x756E694C;
        int lnx2 = 0x564B2078;
        int lnx3 = 0x7648204D;
        assertEquals(List.of(
                CpuidLeaf.of(0x40000000, 0x4000000A, lnx1, lnx2, lnx3),
                CpuidLeaf.of(0x40000001, 0x31237648, 0, 0, 0),
                CpuidLeaf.of(0x40000002, 0x00003839, 0x000A0000, 0, 0),
                CpuidLeaf.of(0x40000003, 0x00002AFF, 0x00000030, 0, 0x00084518),
                CpuidLeaf.of(0x40000004, 0x00000E24, 0x00000FFF, 0, 0),
                CpuidLeaf.of(0x40000005, 0x00000400, 0x00000040, 0, 0),
                CpuidLeaf.of(0x40000006, 0, 0, 0, 0),
                CpuidLeaf.of(0x40000007, 0, 0, 0, 0),
                CpuidLeaf.of(0x40000008, 0, 0, 0, 0),
                CpuidLeaf.of(0x40000009, 0, 0, 0, 0),
                CpuidLeaf.of(0x4000000A, 0x000A0000, 0, 0, 0)),
                HvCpuid.build(eff, HOST));
        assertEquals("Linux KVM Hv", eff.vendorId());
        assertFalse(eff.has(SYNDBG), "syndbg is never passed through");
        assertFalse(eff.has(EVMCS), "AMD host offers no eVMCS");
    }

    @Test
    void enforceCpuidChangesNoLeaf() {
        HvConfig plain = HvConfig.builder().features(RELAXED, VPINDEX, SYNIC).build();
        HvConfig enforced = plain.toBuilder().enforceCpuid(true).build();
        assertTrue(enforced.enforceCpuid());
        assertEquals(HvCpuid.build(plain, HOST), HvCpuid.build(enforced, HOST));
    }

    @Test
    void syndbgLeaves() {
        HvConfig c = HvConfig.builder().features(RELAXED, VPINDEX, SYNIC, SYNDBG).build();
        assertEquals(List.of(
                CpuidLeaf.of(0x40000000, 0x40000082, MS1, MS2, MS3),
                CpuidLeaf.of(0x40000001, 0x31237648, 0, 0, 0),
                CpuidLeaf.of(0x40000002, 0x00003839, 0x000A0000, 0, 0),
                CpuidLeaf.of(0x40000003, 0x00000064, 0x00000030, 0, 0x00000808),
                CpuidLeaf.of(0x40000004, 0x00000020, 0xFFFFFFFF, 0, 0),
                CpuidLeaf.of(0x40000005, 0xFFFFFFFF, 0x00000040, 0, 0),
                // "Microsoft VS", EAX 0
                CpuidLeaf.of(0x40000080, 0, MS1, MS2, 0x53562074),
                CpuidLeaf.of(0x40000081, 0x31235356, 0, 0, 0),
                CpuidLeaf.of(0x40000082, 0x00000002, 0, 0, 0)),
                HvCpuid.build(HvValidator.resolve(c, HOST), HOST));
    }

    @Test
    void noNonarchCoresharing() {
        HvConfig on = HvConfig.builder().features(RELAXED).noNonarchCoresharing(OnOffAuto.ON)
                .build();
        assertEquals(0x00040020, HvFeatureTest.find(HvCpuid.build(on, HOST), 0x40000004).eax());
        HvConfig auto = on.toBuilder().noNonarchCoresharing(OnOffAuto.AUTO).build();
        assertEquals(0x00000020, HvFeatureTest.find(HvCpuid.build(auto, HOST), 0x40000004).eax(),
                "auto copies the host bit, which is clear when SMT is possible");
        assertEquals(0x00040020, HvFeatureTest.find(
                HvCpuid.build(auto, Kvm61Host.hostWithoutSmt()), 0x40000004).eax());
        HvConfig off = on.toBuilder().noNonarchCoresharing(OnOffAuto.OFF).build();
        assertEquals(0x00000020, HvFeatureTest.find(
                HvCpuid.build(off, Kvm61Host.hostWithoutSmt()), 0x40000004).eax());
    }

    @Test
    void emsrBitmapRaisesMaxLeafAndAddsZeroLeaves() {
        HvConfig c = HvConfig.builder().features(EMSR_BITMAP).build();
        List<CpuidLeaf> l = HvCpuid.build(c, HOST);
        assertEquals(11, l.size());
        assertEquals(0x4000000A, l.get(0).eax());
        assertEquals(CpuidLeaf.of(0x40000006, 0, 0, 0, 0), l.get(6));
        assertEquals(CpuidLeaf.of(0x40000009, 0, 0, 0, 0), l.get(9));
        assertEquals(CpuidLeaf.of(0x4000000A, 0x00080000, 0, 0, 0), l.get(10));
    }

    @Test
    void evmcsPutsVersionRangeIntoNestedLeaf() {
        HvConfig c = HvConfig.builder().features(VAPIC, EVMCS).build();
        List<CpuidLeaf> l = HvCpuid.build(c, HOST);
        assertEquals(0x4000000A, l.get(0).eax());
        assertEquals(CpuidLeaf.of(0x40000003, 0x00000030, 0, 0, 0x00000008), l.get(3));
        assertEquals(CpuidLeaf.of(0x40000004, 0x00004008, 0xFFFFFFFF, 0, 0), l.get(4));
        assertEquals(CpuidLeaf.of(0x4000000A, 0x00000101, 0, 0, 0), l.get(10));
    }

    @Test
    void syndbgWithNestedKeepsBothRanges() {
        HvConfig c = HvConfig.builder().features(RELAXED, VPINDEX, SYNIC, SYNDBG, EMSR_BITMAP)
                .build();
        List<CpuidLeaf> l = HvCpuid.build(c, HOST);
        assertEquals(0x40000082, l.get(0).eax());
        assertEquals(14, l.size());
        assertEquals(0x4000000A, l.get(10).function());
        assertEquals(0x40000080, l.get(11).function());
    }
}
