// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.config;

import static org.junit.jupiter.api.Assertions.*;
import static org.jvmm.hyperv.HvFeature.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvMode;

class LibvirtHypervTest {
    @TempDir
    Path dir;

    private HvConfig parse(String xml) throws IOException {
        Path f = dir.resolve("hv.xml");
        Files.writeString(f, xml);
        return HypervElementFile.parse(f);
    }

    private String error(String xml) throws IOException {
        Path f = dir.resolve("hv.xml");
        Files.writeString(f, xml);
        String m = assertThrows(HvConfigException.class, () -> HypervElementFile.parse(f))
                .getMessage();
        assertTrue(m.startsWith(f + ": "), m);
        return m.substring(f.toString().length() + 2);
    }

    @Test
    void everyChild() throws IOException {
        HvConfig c = parse("""
                <hyperv mode='custom'>
                  <relaxed state='on'/> <vapic state='on'/>
                  <spinlocks state='on' retries='8191'/>
                  <vpindex state='on'/> <runtime state='on'/> <synic state='on'/>
                  <stimer state='on'><direct state='on'/></stimer>
                  <reset state='on'/> <vendor_id state='on' value='KVM Hv'/>
                  <frequencies state='on'/> <reenlightenment state='on'/>
                  <tlbflush state='on'><direct state='on'/><extended state='on'/></tlbflush>
                  <ipi state='on'/> <evmcs state='on'/> <avic state='on'/>
                  <emsr_bitmap state='on'/> <xmm_input state='on'/>
                </hyperv>""");
        assertEquals(EnumSet.complementOf(EnumSet.of(TIME, CRASH, SYNDBG)), c.features());
        assertEquals(8191, c.spinlocks());
        assertEquals("KVM Hv", c.vendorId());
        assertEquals(HvMode.CUSTOM, c.mode());
    }

    @Test
    void offMeansLeftOut() throws IOException {
        HvConfig c = parse("""
                <hyperv>
                  <relaxed state='off'/>
                  <spinlocks state='off' retries='1'/>
                  <vendor_id state='off'/>
                  <stimer state='off'><direct state='on'/></stimer>
                  <tlbflush state='on'><direct state='off'/></tlbflush>
                </hyperv>""");
        assertEquals(EnumSet.of(TLBFLUSH), c.features());
        assertEquals(0xFFFFFFFF, c.spinlocks());
        assertNull(c.vendorId());
    }

    @Test
    void spinlockRetries() throws IOException {
        assertEquals(4095, parse("<hyperv><spinlocks state='on' retries='4095'/></hyperv>")
                .spinlocks());
        assertEquals(0xFFFFFFFF, parse("<hyperv><spinlocks state='on' retries='4294967295'/>"
                + "</hyperv>").spinlocks());
        assertEquals(0xFFFFFFFF, parse("<hyperv><spinlocks state='on'/></hyperv>").spinlocks(),
                "omitted retries mean never notify (libvirt 11.9+)");
    }

    @Test
    void passthroughIgnoresChildren() throws IOException {
        HvConfig c = parse("""
                <hyperv mode='passthrough'>
                  <relaxed state='maybe'/>
                  <bogus/>
                  <spinlocks state='on' retries='1'/>
                </hyperv>""");
        assertTrue(c.passthrough());
        assertTrue(c.features().isEmpty());
    }

    @Test
    void hostModelKeepsOverrides() throws IOException {
        HvConfig c = parse("""
                <hyperv mode='host-model'>
                  <relaxed state='on'/>
                  <spinlocks state='on' retries='8192'/>
                  <xmm_input state='off'/>
                </hyperv>""");
        assertEquals(HvMode.HOST_MODEL, c.mode());
        assertEquals(EnumSet.of(RELAXED), c.features());
        assertEquals(EnumSet.of(XMM_INPUT), c.disabled());
        assertEquals(8192, c.spinlocks());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "<hyperv mode='auto'/> | <hyperv mode='auto'>: invalid value for attribute 'mode' (expected custom, passthrough or host-model)",
        "<hyperv><relaxed/></hyperv> | <hyperv><relaxed>: missing required attribute 'state'",
        "<hyperv><relaxed state='yes'/></hyperv> | <hyperv><relaxed> state='yes': invalid value for attribute 'state' (expected on or off)",
        "<hyperv><vapic state='ON'/></hyperv> | <hyperv><vapic> state='ON': invalid value for attribute 'state' (expected on or off)",
        "<hyperv><time state='on'/></hyperv> | <hyperv><time>: unsupported Hyper-V enlightenment 'time'",
        "<hyperv><foo state='on'/></hyperv> | <hyperv><foo>: unsupported Hyper-V enlightenment 'foo'",
        "<hyperv><spinlocks state='on' retries='4094'/></hyperv> | <hyperv><spinlocks retries='4094'>: the spinlock retry count must be at least 4095",
        "<hyperv><spinlocks state='on' retries='0'/></hyperv> | <hyperv><spinlocks retries='0'>: the spinlock retry count must be at least 4095",
        "<hyperv><spinlocks state='on' retries='4294967296'/></hyperv> | <hyperv><spinlocks retries='4294967296'>: retries is larger than 4294967295",
        "<hyperv><spinlocks state='on' retries='lots'/></hyperv> | <hyperv><spinlocks retries='lots'>: retries is not an unsigned integer",
        "<hyperv><spinlocks state='on' retries='-5000'/></hyperv> | <hyperv><spinlocks retries='-5000'>: retries is not an unsigned integer",
        "<hyperv><spinlocks retries='8191'/></hyperv> | <hyperv><spinlocks>: missing required attribute 'state'",
        "<hyperv><vendor_id state='on'/></hyperv> | <hyperv><vendor_id state='on'>: missing required attribute 'value'",
        "<hyperv><vendor_id state='on' value='0123456789abc'/></hyperv> | <hyperv><vendor_id value='0123456789abc'>: the vendor_id value must not be more than 12 characters",
        "<hyperv><vendor_id state='on' value='a,b'/></hyperv> | <hyperv><vendor_id value='a,b'>: invalid vendor_id value (commas are not allowed)",
        "<hyperv><stimer state='on'><extended state='on'/></stimer></hyperv> | <hyperv><stimer><extended>: unsupported Hyper-V stimer feature 'extended'",
        "<hyperv><stimer state='on'><direct/></stimer></hyperv> | <hyperv><stimer><direct>: missing required attribute 'state'",
        "<hyperv><tlbflush state='on'><indirect state='on'/></tlbflush></hyperv> | <hyperv><tlbflush><indirect>: unsupported Hyper-V tlbflush feature 'indirect'",
        "<hyperv><tlbflush state='on'><extended state='1'/></tlbflush></hyperv> | <hyperv><tlbflush><extended> state='1': invalid value for attribute 'state' (expected on or off)",
        "<features/> | root element is <features>, expected <hyperv>",
    })
    void valueRules(String xml, String message) throws IOException {
        assertEquals(message, error(xml));
    }

    @Test
    void twelveByteVendorIdIsFine() throws IOException {
        assertEquals("0123456789ab", parse("<hyperv><vendor_id state='on' value='0123456789ab'/>"
                + "</hyperv>").vendorId());
        assertEquals("", parse("<hyperv><vendor_id state='on' value=''/></hyperv>").vendorId());
    }
}
