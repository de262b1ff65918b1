// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Set;

import org.junit.jupiter.api.Test;

class HvCapabilitiesTest {

    @Test
    void domcapsForKvm61AmdHost() {
        // matches libvirt's qemu_11.1.0 AMD test data: every feature but evmcs
        assertEquals("""
                <hyperv supported='yes'>
                  <enum name='features'>
                    <value>relaxed</value>
                    <value>vapic</value>
                    <value>spinlocks</value>
                    <value>vpindex</value>
                    <value>runtime</value>
                    <value>synic</value>
                    <value>stimer</value>
                    <value>reset</value>
                    <value>vendor_id</value>
                    <value>frequencies</value>
                    <value>reenlightenment</value>
                    <value>tlbflush</value>
                    <value>ipi</value>
                    <value>avic</value>
                    <value>emsr_bitmap</value>
                    <value>xmm_input</value>
                  </enum>
                  <defaults>
                    <spinlocks>4095</spinlocks>
                    <stimer_direct>on</stimer_direct>
                    <tlbflush_direct>on</tlbflush_direct>
                    <tlbflush_extended>on</tlbflush_extended>
                    <vendor_id>Linux KVM Hv</vendor_id>
                  </defaults>
                </hyperv>
                """, new HvCapabilities(Kvm61Host.host()).domcapsXml());
    }

    @Test
    void domcapsWithoutHyperv() {
        assertEquals("<hyperv supported='no'/>\n",
                new HvCapabilities(HostHvSupport.none()).domcapsXml());
    }

    @Test
    void entriesCarryReasons() {
        HvCapabilities caps = new HvCapabilities(HostHvSupport.legacy(
                Set.of(HvProto.KVM_CAP_HYPERV), Set.of(HvProto.MSR_VP_INDEX)));
        var e = caps.entries();
        assertEquals(21, e.size());
        assertEquals(new HvCapabilities.Entry(HvFeature.VPINDEX, true, null), e.get(5));
        assertEquals(new HvCapabilities.Entry(HvFeature.TIME, false,
                "KVM_CAP_HYPERV_TIME missing"), e.get(2));
        assertFalse(caps.modernDetection());
        assertTrue(caps.table().contains("hv-vpindex           yes"));
        assertEquals(2, caps.passthroughLeaves().size());
    }

    @Test
    void entriesWithoutHyperv() {
        for (HvCapabilities.Entry e : new HvCapabilities(HostHvSupport.none()).entries()) {
            assertFalse(e.supported());
            assertEquals("no Hyper-V in host KVM (KVM_CAP_HYPERV missing)", e.reason());
        }
    }
}
