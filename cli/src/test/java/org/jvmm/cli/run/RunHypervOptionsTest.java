// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.hyperv.config.DomainXml;
import org.jvmm.vmm.linux.LinuxVmConfig;
import org.jvmm.vmm.testing.RepoRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code jvmm run --domain/--hyperv/--hv}: where settings come from and what wins. */
class RunHypervOptionsTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Path MINIMAL = RepoRoot.find().resolve("configs/minimal.xml");

    @TempDir
    Path dir;

    private static RunCommand parse(String... args) {
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void domainFileGivesKernelMemoryCpusAndCmdline() {
        LinuxVmConfig vm = parse("--domain", MINIMAL.toString()).config();
        assertEquals(Path.of("/var/cache/jvmm/vmlinuz"), vm.kernel());
        assertEquals(Optional.of(Path.of("/var/cache/jvmm/initrd.img")), vm.initrd());
        assertEquals(512L << 20, vm.memoryBytes());
        assertEquals(2, vm.cpus());
        assertEquals("console=ttyS0 panic=-1", vm.cmdline());
    }

    @Test
    void commandLineOptionsOverrideTheDomainFile() {
        LinuxVmConfig vm = parse("--domain", MINIMAL.toString(), "--kernel", "k", "--initrd", "i",
                "--memory", "1G", "--cpus", "1", "--cmdline", "quiet").config();
        assertEquals(Path.of("k"), vm.kernel());
        assertEquals(Optional.of(Path.of("i")), vm.initrd());
        assertEquals(1L << 30, vm.memoryBytes());
        assertEquals(1, vm.cpus());
        assertEquals("quiet", vm.cmdline());
    }

    @Test
    void theMaximumComesFromMaxMemoryOrTheDomainsMaxMemory() throws Exception {
        Path domain = Files.writeString(dir.resolve("grow.xml"), "<domain><name>g</name><memory unit='MiB'>512</memory>"
                + "<maxMemory slots='4' unit='GiB'>2</maxMemory><os><kernel>k</kernel></os></domain>");
        assertEquals(2L << 30, parse("--domain", domain.toString()).config().maxMemoryBytes());
        assertEquals(3L << 30, parse("--domain", domain.toString(), "--max-memory", "3G").config().maxMemoryBytes());
        assertEquals(0, parse("--domain", MINIMAL.toString()).config().maxMemoryBytes(), "none: cannot grow");
    }

    @Test
    void channelSignalsGoThroughKvmUnlessNoHvEventfdIsGiven() {
        assertTrue(parse("--vmbus").hyperv.hvEventfd);
        assertTrue(parse("--vmbus", "--hv-eventfd").hyperv.hvEventfd);
        assertFalse(parse("--vmbus", "--no-hv-eventfd").hyperv.hvEventfd);
    }

    @Test
    void theHpetIsOnUnlessNoHpetOrTheDomainRemovesIt() throws Exception {
        assertTrue(parse("--domain", MINIMAL.toString()).config().hpet());
        assertFalse(parse("--domain", MINIMAL.toString(), "--no-hpet").config().hpet());
        Path noHpet = dir.resolve("no-hpet.xml");
        java.nio.file.Files.writeString(noHpet, java.nio.file.Files.readString(MINIMAL)
                .replace("</domain>", "<clock><timer name='hpet' present='no'/></clock></domain>"));
        assertFalse(parse("--domain", noHpet.toString()).config().hpet());
        assertTrue(parse("--kernel", "k").config().hpet());
    }

    @Test
    void hypervSettingsComeFromHvThenHypervFileThenDomain() throws Exception {
        List<String> warnings = new ArrayList<>();
        var domain = Optional.of(DomainXml.parse(MINIMAL));
        HvConfig fromDomain = parse("--domain", MINIMAL.toString()).hyperv.resolve(domain, warnings::add).orElseThrow();
        assertEquals(java.util.Set.of(HvFeature.RELAXED), fromDomain.features());

        HvConfig fromFlags = parse("--domain", MINIMAL.toString(), "--hv", "hv-vpindex,hv-spinlocks=0x1fff")
                .hyperv.resolve(domain, warnings::add).orElseThrow();
        assertEquals(java.util.Set.of(HvFeature.VPINDEX), fromFlags.features(), "--hv replaces the domain's set");
        assertEquals(0x1fff, fromFlags.spinlocks());

        Path element = Files.writeString(dir.resolve("hv.xml"),
                "<hyperv><vapic state='on'/><vendor_id state='on' value='KVMKVMKVM'/></hyperv>");
        HvConfig fromFile = parse("--domain", MINIMAL.toString(), "--hyperv", element.toString())
                .hyperv.resolve(domain, warnings::add).orElseThrow();
        assertEquals(java.util.Set.of(HvFeature.VAPIC), fromFile.features());
        assertEquals("KVMKVMKVM", fromFile.vendorId());
        assertTrue(warnings.isEmpty(), warnings.toString());

        assertEquals(Optional.empty(), parse("--kernel", "k").hyperv.resolve(Optional.empty(), warnings::add));
    }

    @Test
    void longVendorIdIsTruncatedWithAWarningAsQemuDoes() {
        List<String> warnings = new ArrayList<>();
        parse("--kernel", "k", "--hv", "hv-relaxed,hv-vendor-id=ABCDEFGHIJKLMNOP").hyperv.resolve(Optional.empty(), warnings::add);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("ABCDEFGHIJKLMNOP"), warnings.get(0));
    }

    @Test
    void hvAndHypervTogetherAreRefused() {
        RunInputException e = assertThrows(RunInputException.class,
                () -> parse("--kernel", "k", "--hv", "hv-relaxed", "--hyperv", "x.xml").hyperv.resolve(Optional.empty(), w -> {}));
        assertTrue(e.getMessage().contains("--hv") && e.getMessage().contains("--hyperv"), e.getMessage());
    }

    @Test
    void noKernelAnywhereIsAOneLineError() {
        RunInputException e = assertThrows(RunInputException.class, () -> parse("--cpus", "1").config());
        assertTrue(e.getMessage().contains("--kernel"), e.getMessage());
    }

    /** Through the real command line: each a one-line error naming the flag or element, exit 1. */
    @Test
    void badHypervInputFailsInOneLine() throws Exception {
        Path kernel = Files.writeString(dir.resolve("k"), "not a kernel");
        JvmmProcess.Result unknown = JvmmProcess.run(LIMIT, "run", "--kernel", kernel.toString(), "--hv", "hv-bogus");
        RunErrorsTest.assertOneLineError(unknown, "hv-bogus");
        assertEquals(1, unknown.code());

        JvmmProcess.Result badSpinlocks = JvmmProcess.run(LIMIT, "run", "--kernel", kernel.toString(), "--hyperv",
                Files.writeString(dir.resolve("s.xml"), "<hyperv><spinlocks state='on' retries='100'/></hyperv>").toString());
        RunErrorsTest.assertOneLineError(badSpinlocks, "4095");

        JvmmProcess.Result notXml = JvmmProcess.run(LIMIT, "run", "--domain",
                Files.writeString(dir.resolve("d.xml"), "<domain><name>x</name").toString());
        RunErrorsTest.assertOneLineError(notXml, "d.xml");

        JvmmProcess.Result noKernel = JvmmProcess.run(LIMIT, "run", "--cpus", "1");
        RunErrorsTest.assertOneLineError(noKernel, "--kernel");
        assertFalse(noKernel.stdout().contains("Usage"), noKernel.stdout());
    }
}
