// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.vmm.kvm.CpuidEntry;

/** What the extension does to the CPUID table, given fabricated host facts (no KVM needed). */
class HypervExtensionCpuidTest {
    /** A slice of KVM_GET_SUPPORTED_CPUID: leaf 1, KVM's signature and features, an extended leaf. */
    static List<CpuidEntry> supported() {
        return new ArrayList<>(List.of(
                new CpuidEntry(1, 0, 0, 0x800f12, 0x800, 0x7ed8320b, 0x178bfbff),
                new CpuidEntry(0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d),
                new CpuidEntry(0x40000001, 0, 0, 0x01007afb, 0, 0, 1),
                new CpuidEntry(0x80000001, 0, 0, 0x800f12, 0, 0x2fd3fb, 0x2fd3fbff)));
    }

    static CpuidEntry leaf(List<CpuidEntry> l, int function) {
        return l.stream().filter(e -> e.function() == function).findFirst()
                .orElseThrow(() -> new AssertionError("no leaf 0x" + Integer.toHexString(function) + " in " + l));
    }

    @Test
    void hypervLeavesTakeTheBaseAndKvmMovesTo0x40000100() {
        HypervExtension ext = HypervExtension.create(HvConfig.builder().features(HvFeature.RELAXED, HvFeature.VPINDEX)
                .build(), LabLikeHost.facts());
        assertTrue(ext.enabled());
        List<CpuidEntry> l = supported();
        ext.contributeCpuid(0, l);
        CpuidEntry vendor = leaf(l, 0x40000000);
        assertEquals(0x40000005, vendor.eax(), "max leaf without nested features");
        assertEquals(0x7263694D, vendor.ebx(), "\"Micr\"");
        assertEquals(0x31237648, leaf(l, 0x40000001).eax(), "Hv#1");
        assertEquals(0x40 | 0x20, leaf(l, 0x40000003).eax(), "VP_INDEX + HYPERCALL_AVAILABLE");
        assertEquals(0x20, leaf(l, 0x40000004).eax(), "RELAXED_TIMING_RECOMMENDED");
        assertEquals(0x40000101, leaf(l, 0x40000100).eax());
        assertEquals(0x4b4d564b, leaf(l, 0x40000100).ebx(), "KVMK");
        assertEquals(0x01007afb, leaf(l, 0x40000101).eax(), "KVM's feature bits carried over");
        assertEquals(0x800f12, leaf(l, 1).eax(), "standard leaves kept");
        assertEquals(0x2fd3fbff, leaf(l, 0x80000001).edx(), "extended leaves kept");
        assertEquals(1, l.stream().filter(e -> e.function() == 0x40000000).count(), "one 0x40000000");
    }

    @Test
    void kvmOffDropsTheKvmSignature() {
        HypervExtension ext = HypervExtension.create(HvConfig.builder().features(HvFeature.RELAXED).exposeKvm(false)
                .build(), LabLikeHost.facts());
        List<CpuidEntry> l = supported();
        ext.contributeCpuid(0, l);
        assertTrue(l.stream().noneMatch(e -> e.function() == 0x40000100 || e.function() == 0x40000101));
        assertEquals(0x31237648, leaf(l, 0x40000001).eax());
    }

    @Test
    void kvmOffWithoutEnlightenmentsStillHidesKvm() {
        HypervExtension ext = HypervExtension.create(HvConfig.builder().exposeKvm(false).build(),
                new HostHvFacts(java.util.Map.of("KVM_CAP_HYPERV", 0), HostHvFacts.HvCpuidForm.NOT_AVAILABLE,
                        List.of(), java.util.Set.of(), org.jvmm.hyperv.HostHvSupport.none()));
        assertFalse(ext.enabled());
        List<CpuidEntry> l = supported();
        ext.contributeCpuid(0, l);
        assertTrue(l.stream().noneMatch(e -> e.function() >= 0x40000000 && e.function() <= 0x4fffffff), l.toString());
        assertEquals(0x800f12, leaf(l, 1).eax(), "standard leaves kept");
        assertEquals(2, l.size(), "leaf 1 and 0x80000001 remain");
    }

    @Test
    void withoutEnlightenmentsNothingChanges() {
        HypervExtension ext = HypervExtension.create(HvConfig.defaults(), LabLikeHost.facts());
        assertFalse(ext.enabled());
        List<CpuidEntry> l = supported();
        ext.contributeCpuid(0, l);
        assertEquals(supported(), l);
    }

    @Test
    void unsupportedAndDependencyErrorsComeFromTheValidator() {
        HvConfigException evmcs = assertThrows(HvConfigException.class, () -> HypervExtension.create(
                HvConfig.builder().features(HvFeature.VAPIC, HvFeature.EVMCS).build(), LabLikeHost.facts()));
        assertTrue(evmcs.getMessage().startsWith("Hyper-V enlightened VMCS (hv-evmcs) is not supported by the host kernel"),
                evmcs.getMessage());
        HvConfigException synic = assertThrows(HvConfigException.class, () -> HypervExtension.create(
                HvConfig.builder().features(HvFeature.SYNIC).build(), LabLikeHost.facts()));
        assertTrue(synic.getMessage().contains("needs Hyper-V VP_INDEX MSR (hv-vpindex)"), synic.getMessage());
    }

    @Test
    void passthroughExpandsToTheHostSet() {
        HypervExtension ext = HypervExtension.create(HvConfig.builder().passthrough(true).build(), LabLikeHost.facts());
        assertTrue(ext.effective().has(HvFeature.SYNIC));
        assertTrue(ext.effective().has(HvFeature.STIMER));
        assertFalse(ext.effective().has(HvFeature.SYNDBG), "syndbg is never passed through");
        assertThrows(IllegalArgumentException.class, () -> ext.synic(0), "no SynIC before the vCPUs exist");
    }
}
