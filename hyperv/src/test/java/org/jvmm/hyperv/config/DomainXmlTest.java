// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.config;

import static org.junit.jupiter.api.Assertions.*;
import static org.jvmm.hyperv.HvFeature.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.jvmm.hyperv.CpuidLeaf;
import org.jvmm.hyperv.HostHvSupport;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvCpuid;
import org.jvmm.hyperv.HvMode;
import org.jvmm.hyperv.HvProto;
import org.jvmm.hyperv.HvValidator;

class DomainXmlTest {
    @TempDir
    Path dir;

    /** configs/ lives next to the module; surefire runs in the module directory. */
    private static final Path CONFIGS = Path.of(System.getProperty("user.dir")).resolve("..")
            .resolve("configs").normalize();

    private Path write(String xml) throws IOException {
        Path f = dir.resolve("dom.xml");
        Files.writeString(f, xml);
        return f;
    }

    private static String domain(String body) {
        return "<domain type='kvm'><name>t</name><memory unit='MiB'>512</memory>" + body
                + "</domain>";
    }

    private static void assertCommon(DomainSpec d) {
        assertEquals(512L << 20, d.memoryBytes());
        assertEquals(2, d.vcpus());
        assertEquals("/var/cache/jvmm/vmlinuz", d.kernel());
        assertEquals("/var/cache/jvmm/initrd.img", d.initrd());
        assertEquals("console=ttyS0 panic=-1", d.cmdline());
    }

    @Test
    void windowsVirtInstallSample() {
        DomainSpec d = DomainXml.parse(CONFIGS.resolve("windows-virt-install.xml"));
        assertCommon(d);
        assertEquals("win-virt-install", d.name());
        HvConfig c = d.hyperv();
        assertEquals(EnumSet.of(TIME, RELAXED, VAPIC, VPINDEX, RUNTIME, SYNIC, STIMER,
                STIMER_DIRECT, FREQUENCIES, TLBFLUSH, IPI, AVIC), c.features());
        assertEquals(8191, c.spinlocks());
        assertTrue(c.exposeKvm());
        HvValidator.checkDependencies(c);
    }

    @Test
    void minimalSample() {
        DomainSpec d = DomainXml.parse(CONFIGS.resolve("minimal.xml"));
        assertCommon(d);
        assertEquals(EnumSet.of(RELAXED), d.hyperv().features());
        assertEquals(0xFFFFFFFF, d.hyperv().spinlocks());
    }

    @Test
    void everythingSample() {
        DomainSpec d = DomainXml.parse(CONFIGS.resolve("everything.xml"));
        assertCommon(d);
        assertEquals(EnumSet.complementOf(EnumSet.of(EVMCS, SYNDBG)), d.hyperv().features());
        HvValidator.checkDependencies(d.hyperv());
    }

    @Test
    void passthroughSample() {
        DomainSpec d = DomainXml.parse(CONFIGS.resolve("passthrough.xml"));
        assertCommon(d);
        assertEquals(HvMode.PASSTHROUGH, d.hyperv().mode());
    }

    @Test
    void kvmHiddenSample() {
        DomainSpec d = DomainXml.parse(CONFIGS.resolve("kvm-hidden.xml"));
        assertCommon(d);
        HvConfig c = d.hyperv();
        assertFalse(c.exposeKvm());
        assertEquals("0123456789ab", c.vendorId());
        assertEquals(EnumSet.of(TIME, RELAXED, VAPIC), c.features());
        // "0123456789ab" in 0x40000000, and no KVMKVMKVM anywhere in the hypervisor range
        HostHvSupport host = HostHvSupport.fromHvCpuid(List.of(),
                java.util.Set.of(HvProto.KVM_CAP_HYPERV), true);
        List<CpuidLeaf> all = HvCpuid.assemble(List.of(
                CpuidLeaf.of(0x40000000, 0x40000001, 0x4B4D564B, 0x564B4D56, 0x4D),
                CpuidLeaf.of(0x40000001, 0x01007AFB, 0, 0, 0)), c, host);
        assertEquals(CpuidLeaf.of(0x40000000, 0x40000005, 0x33323130, 0x37363534, 0x62613938),
                all.get(0));
        assertEquals(6, all.size());
    }

    @Test
    void everySampleIsCovered() throws IOException {
        try (var s = Files.list(CONFIGS)) {
            assertEquals(List.of("everything.xml", "kvm-hidden.xml", "minimal.xml",
                    "passthrough.xml", "windows-virt-install.xml"),
                    s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".xml"))
                            .sorted().toList());
        }
    }

    @Test
    void clockPanicAndDefaults() throws IOException {
        DomainSpec d = DomainXml.parse(write(domain("""
                <currentMemory unit='MiB'>256</currentMemory>
                <clock><timer name='hypervclock' present='no'/><timer name='rtc'/></clock>
                <devices><panic model='hyperv'/><panic model='isa'/></devices>""")));
        assertEquals(1, d.vcpus());
        assertNull(d.kernel());
        assertEquals(EnumSet.of(CRASH), d.hyperv().features());
        assertEquals(EnumSet.of(TIME), DomainXml.parse(write(domain(
                "<clock><timer name='hypervclock' present='yes'/></clock>"))).hyperv().features());
        assertEquals(EnumSet.noneOf(org.jvmm.hyperv.HvFeature.class), DomainXml.parse(write(domain(
                "<clock><timer name='hypervclock'/></clock>"))).hyperv().features());
        assertTrue(DomainXml.parse(write(domain("<features><kvm><hidden state='off'/></kvm>"
                + "</features>"))).hyperv().exposeKvm());
    }

    @Test
    void anHpetTimerWithPresentNoLeavesTheHpetOut() throws IOException {
        assertTrue(DomainXml.parse(write(domain("<clock><timer name='rtc'/></clock>"))).hpet());
        assertTrue(DomainXml.parse(write(domain("<clock><timer name='hpet'/></clock>"))).hpet());
        assertTrue(DomainXml.parse(write(domain("<clock><timer name='hpet' present='yes'/></clock>"))).hpet());
        assertFalse(DomainXml.parse(write(domain("<clock offset='utc'><timer name='hpet' present='no'/></clock>"))).hpet());
        HvConfigException e = assertThrows(HvConfigException.class, () -> DomainXml.parse(write(domain(
                "<clock><timer name='hpet' present='off'/></clock>"))));
        assertTrue(e.getMessage().contains("<clock><timer name='hpet' present='off'>"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"b,1", "bytes,1", "KB,1000", "k,1024", "KiB,1024", "MB,1000000", "M,1048576",
        "GiB,1073741824", "G,1073741824", "TB,1000000000000"})
    void memoryUnits(String unit, long scale) throws IOException {
        Path f = write("<domain><name>t</name><memory unit='" + unit + "'>3</memory></domain>");
        assertEquals(3 * scale, DomainXml.parse(f).memoryBytes());
    }

    @Test
    void maxMemoryIsTheMostTheGuestMayGrowTo() throws IOException {
        assertEquals(2L << 30, DomainXml.parse(write("<domain><name>t</name><memory unit='GiB'>1</memory>"
                + "<maxMemory slots='16' unit='GiB'>2</maxMemory></domain>")).maxMemoryBytes());
        assertEquals(0, DomainXml.parse(write("<domain><name>t</name><memory>1024</memory></domain>"))
                .maxMemoryBytes(), "absent: the guest cannot grow");
    }

    @Test
    void memoryDefaultUnitIsKiB() throws IOException {
        assertEquals(524288L * 1024, DomainXml.parse(write(
                "<domain><name>t</name><memory>524288</memory></domain>")).memoryBytes());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "<domain><memory>1</memory></domain> | <domain>: missing <name>",
        "<domain><name>t</name></domain> | <domain>: missing <memory>",
        "<domain><name>t</name><memory unit='parsecs'>1</memory></domain> | <memory unit='parsecs'>: unknown unit",
        "<domain><name>t</name><memory>lots</memory></domain> | <memory>lots</memory>: not an unsigned integer",
        "<domain><name>t</name><memory>0</memory></domain> | <memory>0</memory>: memory size must be positive",
        "<domain><name>t</name><memory unit='EiB'>16</memory></domain> | <memory unit='EiB'>16</memory>: too large",
        "<domain><name>t</name><memory>1</memory><maxMemory>lots</maxMemory></domain> | <maxMemory>lots</maxMemory>: not an unsigned integer",
        "<domain><name>t</name><memory>1</memory><maxMemory unit='EiB'>16</maxMemory></domain> | <maxMemory unit='EiB'>16</maxMemory>: too large",
        "<domain><name>t</name><memory>1</memory><vcpu>0</vcpu></domain> | <vcpu>0</vcpu>: expected a positive integer",
        "<domain><name>t</name><memory>1</memory><vcpu>two</vcpu></domain> | <vcpu>two</vcpu>: expected a positive integer",
        "<domain><name>t</name><memory>1</memory><clock><timer name='hypervclock' present='on'/></clock></domain> | <clock><timer name='hypervclock' present='on'>: invalid value for attribute 'present' (expected yes or no)",
        "<domain><name>t</name><memory>1</memory><features><kvm><hidden/></kvm></features></domain> | <features><kvm><hidden>: missing required attribute 'state'",
        "<domain><name>t</name><memory>1</memory><features><hyperv><relaxed state='1'/></hyperv></features></domain> | <hyperv><relaxed> state='1': invalid value for attribute 'state' (expected on or off)",
        "<hyperv/> | root element is <hyperv>, expected <domain>",
    })
    void errorsNameFileElementAndValue(String xml, String message) throws IOException {
        Path f = write(xml);
        assertEquals(f + ": " + message,
                assertThrows(HvConfigException.class, () -> DomainXml.parse(f)).getMessage());
    }

    @Test
    void notWellFormedGivesFileAndLine() throws IOException {
        Path f = write("<domain>\n<name>t</name>\n<memory>1</memory\n</domain>\n");
        String m = assertThrows(HvConfigException.class, () -> DomainXml.parse(f)).getMessage();
        assertTrue(m.startsWith(f + ":4: not well-formed XML: "), m);
        assertFalse(m.contains("\n"));
    }

    @Test
    void doctypeAndExternalEntitiesAreRefused() throws IOException {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "leaked");
        Path f = write("<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY x SYSTEM 'file://"
                + secret + "'>]>\n<domain><name>&x;</name><memory>1</memory></domain>");
        String m = assertThrows(HvConfigException.class, () -> DomainXml.parse(f)).getMessage();
        assertTrue(m.startsWith(f + ":2: not well-formed XML: "), m);
        assertFalse(m.contains("leaked"));
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope.xml");
        assertEquals(f + ": no such file",
                assertThrows(HvConfigException.class, () -> DomainXml.parse(f)).getMessage());
    }

    @Test
    void messagesStayOnOneLineWhateverTheValue() throws IOException {
        Path f = write(domain("<features><hyperv><vendor_id state='on' value='a&#10;b,c'/>"
                + "</hyperv></features>"));
        String m = assertThrows(HvConfigException.class, () -> DomainXml.parse(f)).getMessage();
        assertEquals(f + ": <hyperv><vendor_id value='a\\nb,c'>: invalid vendor_id value (commas"
                + " are not allowed)", m);
    }

    @Test
    void hugeFilesAreRefusedUnread() throws IOException {
        Path f = dir.resolve("big.xml");
        Files.write(f, new byte[(4 << 20) + 1]);
        assertEquals(f + ": larger than 4 MiB, not a domain description",
                assertThrows(HvConfigException.class, () -> DomainXml.parse(f)).getMessage());
    }

    @Test
    void entityExpansionInsideInternalSubsetIsRefused() throws IOException {
        Path f = write("<!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;'>]>"
                + "<domain><name>&b;</name><memory>1</memory></domain>");
        assertThrows(HvConfigException.class, () -> DomainXml.parse(f));
    }
}
