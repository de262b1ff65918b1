// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.junit.jupiter.api.Assertions.*;
import static org.jvmm.hyperv.HvFeature.*;

import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class HvPassthroughTest {
    private static final HostHvSupport HOST = Kvm61Host.host();

    @Test
    void passthroughCopiesHostValues() {
        HvConfig eff = HvPassthrough.expand(HvConfig.builder().passthrough(true)
                .spinlocks(0x1fff).vendorId("mine").build(), HOST);
        assertEquals(0xFFF, eff.spinlocks(), "host spinlocks override the configured ones");
        assertEquals("Linux KVM Hv", eff.vendorId());
        assertEquals(new HvConfig.Regs(0x31237648, 0, 0, 0), eff.interfaceId());
        assertEquals(new HvConfig.HvVersion(0x3839, 0xA, 0, 0, 0, 0), eff.version());
        assertEquals(new HvConfig.Regs(1024, 64, 0, 0), eff.limits());
        assertEquals(EnumSet.complementOf(EnumSet.of(EVMCS, SYNDBG)), eff.features());
        assertTrue(eff.passthrough(), "still passthrough, so callers block migration");
    }

    @Test
    void passthroughOnlyAddsFeatures() {
        HvConfig eff = HvPassthrough.expand(HvConfig.builder().passthrough(true)
                .features(SYNDBG).feature(RELAXED, false).build(), HOST);
        assertTrue(eff.has(SYNDBG), "syndbg kept when asked for explicitly");
        assertTrue(eff.has(RELAXED), "hv-relaxed=off has no effect under passthrough");
    }

    @Test
    void passthroughOnLegacyHostZeroesIdentity() {
        HostHvSupport legacy = HostHvSupport.legacy(Set.of(HvProto.KVM_CAP_HYPERV), Set.of());
        HvConfig eff = HvPassthrough.expand(HvConfig.builder().passthrough(true)
                .spinlocks(0x2000).build(), legacy);
        assertEquals(new HvConfig.Regs(0, 0, 0, 0), eff.interfaceId());
        assertEquals("", eff.vendorId());
        assertEquals(0x2000, eff.spinlocks(), "legacy host leaf carries the configured count");
        assertEquals(EnumSet.of(RELAXED, VAPIC), eff.features());
    }

    @Test
    void customIsUnchanged() {
        HvConfig c = HvConfig.builder().features(RELAXED).build();
        assertSame(c, HvPassthrough.expand(c, HOST));
    }

    @Test
    void hostModelLikeLibvirtTest() {
        // libvirt's hyperv-host-model test: relaxed on, spinlocks 8192, xmm_input off
        HvConfig c = HvConfig.builder().mode(HvMode.HOST_MODEL).features(RELAXED)
                .spinlocks(8192).feature(XMM_INPUT, false).build();
        HvConfig eff = HvPassthrough.expand(c, HOST);
        assertEquals(HvMode.CUSTOM, eff.mode());
        assertEquals(EnumSet.of(RELAXED, VAPIC, TIME, RESET, VPINDEX, RUNTIME, SYNIC, STIMER,
                FREQUENCIES, REENLIGHTENMENT, TLBFLUSH, IPI, STIMER_DIRECT, AVIC, EMSR_BITMAP,
                TLBFLUSH_EXT, TLBFLUSH_DIRECT), eff.features());
        assertEquals(0x2000, eff.spinlocks());
        assertEquals("Linux KVM Hv", eff.vendorId());
        assertEquals(eff, HvValidator.resolve(c, HOST));
    }

    @Test
    void hostModelDefaultsAndParentOff() {
        HvConfig c = HvConfig.builder().mode(HvMode.HOST_MODEL).feature(STIMER, false)
                .vendorId("own").build();
        HvConfig eff = HvPassthrough.expand(c, HOST);
        assertFalse(eff.has(STIMER));
        assertFalse(eff.has(STIMER_DIRECT), "stimer off takes <stimer><direct> with it");
        assertEquals(0xFFF, eff.spinlocks());
        assertEquals("own", eff.vendorId());
    }

    @Test
    void migrationBlockers() {
        assertEquals(java.util.List.of(), HvConfig.builder().features(RELAXED).build()
                .migrationBlockers());
        assertEquals(2, HvConfig.builder().passthrough(true)
                .noNonarchCoresharing(OnOffAuto.AUTO).build().migrationBlockers().size());
        assertTrue(HvConfig.builder().noNonarchCoresharing(OnOffAuto.AUTO).build()
                .migrationBlockers().get(0).startsWith("hv-no-nonarch-coresharing=auto"));
    }
}
