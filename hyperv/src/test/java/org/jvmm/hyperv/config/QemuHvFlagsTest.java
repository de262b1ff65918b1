// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.config;

import static org.junit.jupiter.api.Assertions.*;
import static org.jvmm.hyperv.HvFeature.*;

import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvMode;
import org.jvmm.hyperv.OnOffAuto;

class QemuHvFlagsTest {

    private static HvConfig parse(String s) {
        return QemuHvFlags.parse(s).config();
    }

    private static String error(String s) {
        return assertThrows(HvConfigException.class, () -> QemuHvFlags.parse(s)).getMessage();
    }

    @Test
    void fullExample() {
        QemuHvFlags.Result r = QemuHvFlags.parse("hv-relaxed,hv-vpindex,hv-spinlocks=0x1fff,"
                + "hv-vendor-id=KVMKVMKVM,kvm=off,hv-time,hv-crash,hv-enforce-cpuid,"
                + "hv-no-nonarch-coresharing=auto,hv-synic,hv-syndbg");
        HvConfig c = r.config();
        assertEquals(EnumSet.of(RELAXED, VPINDEX, TIME, CRASH, SYNIC, SYNDBG), c.features());
        assertEquals(0x1fff, c.spinlocks());
        assertEquals("KVMKVMKVM", c.vendorId());
        assertFalse(c.exposeKvm());
        assertTrue(c.enforceCpuid());
        assertEquals(OnOffAuto.AUTO, c.noNonarchCoresharing());
        assertEquals(HvMode.CUSTOM, c.mode());
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void defaults() {
        HvConfig c = parse("");
        assertEquals(HvConfig.defaults(), c);
        assertEquals(0xFFFFFFFF, c.spinlocks());
        assertNull(c.vendorId());
        assertEquals("Microsoft Hv", c.effectiveVendorId());
        assertEquals(new HvConfig.HvVersion(0x3839, 0xA, 0, 0, 0, 0), c.version());
        assertEquals(-1, c.maxVps());
        assertTrue(c.exposeKvm());
        assertEquals(OnOffAuto.OFF, c.noNonarchCoresharing());
    }

    @ParameterizedTest
    @CsvSource({"on,true", "yes,true", "true,true", "y,true", "off,false", "no,false",
        "false,false", "n,false"})
    void booleanSpellings(String value, boolean expected) {
        assertEquals(expected, parse("hv-relaxed=" + value).has(RELAXED));
        assertEquals(expected, parse("hv-passthrough=" + value).passthrough());
    }

    @Test
    void underscoresAliasAndOrder() {
        assertEquals(EnumSet.of(RELAXED, AVIC, STIMER_DIRECT),
                parse("hv_relaxed,hv-apicv,hv_stimer_direct").features());
        assertFalse(parse("hv-relaxed,hv-relaxed=off").has(RELAXED), "later item wins");
        assertFalse(parse("-hv-relaxed,hv-relaxed=on").has(RELAXED), "-feat wins over feat=on");
        assertTrue(parse("hv-vapic=off,+hv-vapic").has(VAPIC));
        assertEquals(List.of("ambiguous CPU flags: '-hv-relaxed' and 'hv-relaxed=on' both given;"
                + " the +/- form wins"), QemuHvFlags.parse("-hv-relaxed,hv-relaxed=on").warnings());
        assertTrue(parse(",,hv-relaxed,,").has(RELAXED), "empty items are skipped");
    }

    @Test
    void numbers() {
        assertEquals(8191, parse("hv-spinlocks=8191").spinlocks());
        assertEquals(0x1fff, parse("hv-spinlocks=0X1FFF").spinlocks());
        assertEquals(8, parse("hv-spinlocks=010").spinlocks(), "leading zero is octal");
        assertEquals(0xFFFFFFFF, parse("hv-spinlocks=4294967295").spinlocks());
        assertEquals(new HvConfig.HvVersion(0x1bbc, 6, 1, 2, 0xff, 0x123),
                parse("hv-version-id-build=0x1bbc,hv-version-id-major=6,hv-version-id-minor=1,"
                        + "hv-version-id-spack=2,hv-version-id-sbranch=255,"
                        + "hv-version-id-snumber=0x123").version());
        assertEquals(-1, parse("x-hv-max-vps=-1").maxVps());
        assertEquals(64, parse("x-hv-max-vps=0x40").maxVps());
    }

    @Test
    void modesAndSwitches() {
        assertTrue(parse("hv-passthrough").passthrough());
        assertEquals(OnOffAuto.ON, parse("hv-no-nonarch-coresharing=on").noNonarchCoresharing());
        assertEquals(OnOffAuto.OFF, parse("hv-no-nonarch-coresharing=off").noNonarchCoresharing());
        assertTrue(parse("kvm=on").exposeKvm());
        assertFalse(parse("kvm=off").exposeKvm());
    }

    @Test
    void longVendorIdIsKeptAndWarned() {
        QemuHvFlags.Result r = QemuHvFlags.parse("hv-vendor-id=0123456789abcdef");
        assertEquals("0123456789abcdef", r.config().vendorId());
        assertEquals(List.of("hv-vendor-id '0123456789abcdef' is longer than 12 bytes;"
                + " only '0123456789ab' is used"), r.warnings());
        assertEquals(List.of(), QemuHvFlags.parse("hv-vendor-id=0123456789ab").warnings());
        assertEquals("", parse("hv-vendor-id=").vendorId());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "hv-bogus                      | unknown Hyper-V CPU flag 'hv-bogus'",
        "hv-relaxed,hv-bogus=on        | unknown Hyper-V CPU flag 'hv-bogus=on'",
        "+hv-bogus                     | unknown Hyper-V CPU flag '+hv-bogus'",
        "+hv_relaxed                   | unknown Hyper-V CPU flag '+hv_relaxed'",
        "hv-relaxed=maybe              | hv-relaxed=maybe: expected on/off (also yes/no, true/false, y/n)",
        "hv-relaxed=ON                 | hv-relaxed=ON: expected on/off (also yes/no, true/false, y/n)",
        "kvm=disabled                  | kvm=disabled: expected on/off (also yes/no, true/false, y/n)",
        "hv-spinlocks=lots             | hv-spinlocks=lots: not a number",
        "hv-spinlocks=                 | hv-spinlocks=: not a number",
        "hv-spinlocks=0x               | hv-spinlocks=0x: not a number",
        "hv-spinlocks=-1               | hv-spinlocks=-1: not a number",
        "hv-spinlocks=09               | hv-spinlocks=09: not a number",
        "hv-spinlocks=4294967296       | hv-spinlocks=4294967296: out of range 0..4294967295",
        "hv-version-id-major=0x10000   | hv-version-id-major=0x10000: out of range 0..65535",
        "hv-version-id-minor=65536     | hv-version-id-minor=65536: out of range 0..65535",
        "hv-version-id-sbranch=256     | hv-version-id-sbranch=256: out of range 0..255",
        "hv-version-id-build=0x100000000 | hv-version-id-build=0x100000000: out of range 0..4294967295",
        "x-hv-max-vps=2147483648       | x-hv-max-vps=2147483648: out of range for a 32-bit signed value",
        "hv-no-nonarch-coresharing=yes | hv-no-nonarch-coresharing=yes: expected on, off or auto",
        "x-hv-synic-kvm-only=on        | x-hv-synic-kvm-only (SynIC without QEMU's userspace part, for pc-*-3.0 machines) is not supported",
    })
    void errorsNameFlagAndValue(String flags, String message) {
        assertEquals(message, error(flags));
    }
}
