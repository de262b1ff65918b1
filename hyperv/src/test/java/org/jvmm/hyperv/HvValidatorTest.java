// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.junit.jupiter.api.Assertions.*;
import static org.jvmm.hyperv.HvFeature.*;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HvValidatorTest {
    private static final HostHvSupport HOST = Kvm61Host.host();

    private static String fail(HvConfig c, HostHvSupport host) {
        return assertThrows(HvConfigException.class, () -> HvValidator.resolve(c, host))
                .getMessage();
    }

    /** Each table dependency and the extra SynIC rule, with everything else satisfied. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "STIMER,SYNIC,VPINDEX         | synthetic timers (hv-stimer)   | clocksources (hv-time)",
        "STIMER,TIME                  | synthetic timers (hv-stimer)   | synthetic interrupt controller (hv-synic)",
        "STIMER                       | synthetic timers (hv-stimer)   | clocksources (hv-time)",
        "TLBFLUSH                     | paravirtualized TLB flush (hv-tlbflush) | VP_INDEX MSR (hv-vpindex)",
        "IPI                          | paravirtualized IPI (hv-ipi)   | VP_INDEX MSR (hv-vpindex)",
        "STIMER_DIRECT                | direct mode synthetic timers (hv-stimer-direct) | synthetic timers (hv-stimer)",
        "SYNDBG,SYNIC,VPINDEX         | Enable synthetic kernel debugger channel (hv-syndbg) | relaxed timing (hv-relaxed)",
        "SYNDBG,RELAXED               | Enable synthetic kernel debugger channel (hv-syndbg) | synthetic interrupt controller (hv-synic)",
        "TLBFLUSH_EXT,VPINDEX         | Extended gva ranges for TLB flush hypercalls (hv-tlbflush-ext) | paravirtualized TLB flush (hv-tlbflush)",
        "TLBFLUSH_DIRECT              | direct TLB flush (hv-tlbflush-direct) | virtual APIC (hv-vapic)",
        "SYNIC                        | synthetic interrupt controller (hv-synic) | VP_INDEX MSR (hv-vpindex)",
    })
    void missingDependency(String features, String who, String needs) {
        HvConfig.Builder b = HvConfig.builder();
        for (String f : features.split(",")) {
            b.features(HvFeature.valueOf(f));
        }
        assertEquals("Hyper-V " + who + " needs Hyper-V " + needs + " to be enabled as well",
                fail(b.build(), HOST));
    }

    @Test
    void evmcsNeedsVapic() {
        // eVMCS is Intel-only, so this uses a host that offers it.
        HostHvSupport intel = HostHvSupport.legacy(Set.of(HvProto.KVM_CAP_HYPERV,
                HvProto.KVM_CAP_HYPERV_ENLIGHTENED_VMCS), Set.of());
        assertEquals("Hyper-V enlightened VMCS (hv-evmcs) needs Hyper-V virtual APIC (hv-vapic)"
                + " to be enabled as well", fail(HvConfig.builder().features(EVMCS).build(), intel));
    }

    @Test
    void firstFailureInTableOrderWins() {
        // tlbflush (index 11) is checked before ipi (13) and tlbflush-direct (20)
        HvConfig c = HvConfig.builder().features(TLBFLUSH_DIRECT, IPI, TLBFLUSH).build();
        assertTrue(fail(c, HOST).startsWith("Hyper-V paravirtualized TLB flush (hv-tlbflush)"));
    }

    @Test
    void supportIsCheckedBeforeDependenciesPerFeature() {
        // stimer lacks hv-time, but the host lacking stimer is reported first
        HostHvSupport noStimer = HostHvSupport.legacy(Set.of(HvProto.KVM_CAP_HYPERV,
                HvProto.KVM_CAP_HYPERV_SYNIC2), Set.of(HvProto.MSR_VP_INDEX, HvProto.MSR_SCONTROL));
        HvConfig c = HvConfig.builder().features(VPINDEX, SYNIC, STIMER).build();
        assertEquals("Hyper-V synthetic timers (hv-stimer) is not supported by the host kernel:"
                + " MSR HV_X64_MSR_STIMER0_CONFIG (0x400000b0) not in KVM_GET_MSR_INDEX_LIST",
                fail(c, noStimer));
    }

    @Test
    void unsupportedByModernHost() {
        HvConfig c = HvConfig.builder().features(VAPIC, EVMCS).build();
        assertEquals("Hyper-V enlightened VMCS (hv-evmcs) is not supported by the host kernel:"
                + " bit 0x40000004.EAX[14] absent", fail(c, HOST));
    }

    @Test
    void unsupportedModernOnlyFeatureOnLegacyHost() {
        HostHvSupport legacy = HostHvSupport.legacy(Set.of(HvProto.KVM_CAP_HYPERV), Set.of());
        assertEquals("Hyper-V AVIC/APICv support (hv-avic/hv-apicv) is not supported by the host"
                + " kernel: only detectable through KVM_GET_SUPPORTED_HV_CPUID"
                + " (KVM_CAP_HYPERV_CPUID missing)",
                fail(HvConfig.builder().features(AVIC).build(), legacy));
    }

    @Test
    void noHypervInHost() {
        HvConfig c = HvConfig.builder().features(RELAXED).spinlocks(0x1fff).build();
        assertEquals("Hyper-V enlightenments requested (hv-relaxed,hv-spinlocks=0x1fff) but the"
                + " host KVM offers no Hyper-V (KVM_CAP_HYPERV is 0)",
                fail(c, HostHvSupport.none()));
        // nothing requested: nothing to complain about
        HvConfig quiet = HvConfig.builder().vendorId("x").build();
        assertSame(quiet, HvValidator.resolve(quiet, HostHvSupport.none()));
    }

    @Test
    void passthroughSkipsTableChecksButNotSynicVpindex() {
        // explicitly requested, unsupported, dependency missing: passthrough does not care
        HvConfig c = HvConfig.builder().passthrough(true).features(EVMCS).build();
        assertTrue(HvValidator.resolve(c, HOST).has(EVMCS));
        // a host offering SynIC without VP_INDEX still trips the extra rule
        HostHvSupport odd = HostHvSupport.legacy(Set.of(HvProto.KVM_CAP_HYPERV,
                HvProto.KVM_CAP_HYPERV_SYNIC2), Set.of(HvProto.MSR_SCONTROL));
        assertEquals("Hyper-V synthetic interrupt controller (hv-synic) needs Hyper-V VP_INDEX MSR"
                + " (hv-vpindex) to be enabled as well",
                fail(HvConfig.builder().passthrough(true).build(), odd));
    }

    @Test
    void checkDependenciesWithoutHost() {
        HvValidator.checkDependencies(HvConfig.builder().features(VPINDEX, SYNIC).build());
        assertThrows(HvConfigException.class, () -> HvValidator.checkDependencies(
                HvConfig.builder().features(IPI).build()));
    }

    @Test
    void fullWindowsSetIsValid() {
        HvConfig c = HvConfig.builder().features(List.of(HvFeature.values()).stream()
                .filter(f -> f != EVMCS).toArray(HvFeature[]::new)).build();
        assertEquals(c, HvValidator.resolve(c, HOST));
    }
}
