// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The oracle's parsing and comparison, on console transcripts written here. */
class GuestFactsTest {
    private static final String JVMM = """
            [    0.01] some boot noise
            JVMM-GUEST-READY\r
            cpuid 0x40000000 0x0: eax=0x40000005 ebx=0x7263694d ecx=0x666f736f edx=0x76482074\r
            cpuid 0x40000003 0x0: eax=0x00000a7f ebx=0x00000030 ecx=0x00000000 edx=0x00080108
            dmesg: Hyper-V: privilege flags low 0xa7f, high 0x30, hints 0xc2c, misc 0x80108
            clocksource=hyperv_clocksource_tsc_page
            available=hyperv_clocksource_tsc_page tsc hpet acpi_pm
            irq0=IO-APIC 2-edge timer
            JVMM-GUEST-EXIT=0
            """;

    @Test
    void parsesLeavesDmesgAndClocksourceIgnoringNoiseAndCarriageReturns() {
        GuestFacts f = GuestFacts.parse("jvmm", JVMM);
        assertEquals(2, f.leaves().size());
        assertArrayEquals(new long[] {0xa7f, 0x30, 0, 0x80108}, f.leaves().get(0x40000003L));
        assertEquals(List.of("Hyper-V: privilege flags low 0xa7f, high 0x30, hints 0xc2c, misc 0x80108"), f.dmesg());
        assertEquals("hyperv_clocksource_tsc_page", f.clocksource());
        assertEquals("acpi_pm hpet hyperv_clocksource_tsc_page tsc", f.available());
        assertEquals("IO-APIC 2-edge timer", f.irq0());
        assertTrue(f.diff(GuestFacts.parse("qemu", JVMM)).isEmpty());
    }

    /**
     * The guest command itself, run here over a fake dmesg and cpuid-dump: Linux's rejection
     * line comes out prefixed, its other PM-timer lines do not, and the parser finds it.
     */
    @Test
    void theGuestCommandReportsARejectedPmTimer(@TempDir Path bin) throws Exception {
        Files.writeString(bin.resolve("dmesg"), """
                #!/bin/sh
                echo '[    0.163048] ACPI: PM-Timer IO Port: 0x608'
                echo '[    0.894642] APIC calibration not consistent with PM-Timer: 121ms instead of 100ms'
                echo '[    1.607378] PM-Timer had inconsistent results: 0xfffe12, 0x2310 - aborting.'
                """);
        Files.writeString(bin.resolve("cpuid-dump"), "#!/bin/sh\necho 'cpuid 0x40000000 0x0: eax=0x40000005"
                + " ebx=0x7263694d ecx=0x666f736f edx=0x76482074'\n");
        for (String tool : List.of("dmesg", "cpuid-dump")) {
            assertTrue(bin.resolve(tool).toFile().setExecutable(true));
        }
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", GuestFacts.COMMAND).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("PM-Timer had inconsistent results: 0xfffe12, 0x2310 - aborting.", GuestFacts.pmTimerRejection(out), out);
        assertEquals(null, GuestFacts.pmTimerRejection(JVMM));
    }

    @Test
    void diffNamesLeafRegisterAndBothValues() {
        GuestFacts j = GuestFacts.parse("jvmm", JVMM);
        GuestFacts q = GuestFacts.parse("qemu", JVMM.replace("edx=0x00080108", "edx=0x00080908")
                .replace("tsc_page", "msr").replace(" hpet", "").replace("IO-APIC 2-edge", "IO-APIC 0-edge") + "cpuid 0x40000004 0x0: eax=0x1 ebx=0x0 ecx=0x0 edx=0x0\n");
        List<String> diff = j.diff(q);
        assertEquals(List.of("leaf 0x40000003 edx: jvmm 0x00080108 qemu 0x00080908 (xor 0x00000800)",
                "clocksource: jvmm hyperv_clocksource_tsc_page qemu hyperv_clocksource_msr",
                "available clocksources: jvmm acpi_pm hpet hyperv_clocksource_tsc_page tsc"
                        + " qemu acpi_pm hyperv_clocksource_msr tsc",
                "IRQ 0: jvmm IO-APIC 2-edge timer qemu IO-APIC 0-edge timer"), diff);
    }

    @Test
    void aLeafOnlyOneSideDumpedAndADifferentDmesgAreDifferences() {
        GuestFacts j = GuestFacts.parse("jvmm", JVMM);
        GuestFacts q = GuestFacts.parse("qemu", JVMM.replace("dmesg: Hyper-V", "dmesg: Hyper-V:")
                + "cpuid 0x40000004 0x0: eax=0x00000001 ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n");
        List<String> diff = j.diff(q);
        assertEquals(2, diff.size(), diff.toString());
        assertEquals("leaf 0x40000004: dumped by qemu only", diff.get(0));
        assertTrue(diff.get(1).startsWith("dmesg: "), diff.get(1));
    }

    @Test
    void aTranscriptWithoutTheDumpFailsNamingTheVmm() {
        AssertionError e = assertThrows(AssertionError.class, () -> GuestFacts.parse("qemu", "JVMM-GUEST-READY\n"));
        assertTrue(e.getMessage().startsWith("qemu: "), e.getMessage());
    }

    @Test
    void qemu81PassthroughDropsOnlyWhatSyndbgAdds() {
        String qemu72 = """
                cpuid 0x40000000 0x0: eax=0x40000082 ebx=0x756e694c ecx=0x564b2078 edx=0x7648204d
                cpuid 0x40000003 0x0: eax=0x00002aff ebx=0x00000030 ecx=0x00000000 edx=0x00080d18
                cpuid 0x4000000a 0x0: eax=0x00080000 ebx=0x00000000 ecx=0x00000000 edx=0x00000000
                cpuid 0x4000000b 0x0: eax=0x00000000 ebx=0x00000000 ecx=0x00000000 edx=0x00000000
                cpuid 0x40000080 0x0: eax=0x00000000 ebx=0x7263694d ecx=0x666f736f edx=0x53562074
                cpuid 0x40000101 0x0: eax=0x01007efb ebx=0x00000000 ecx=0x00000000 edx=0x00000000
                clocksource=kvm-clock
                available=kvm-clock
                irq0=IO-APIC 2-edge timer
                """;
        GuestFacts q = GuestFacts.parse("qemu", qemu72).asQemu81Passthrough();
        assertEquals(0x4000000AL, q.leaves().get(0x40000000L)[0]);
        assertEquals(0x756e694cL, q.leaves().get(0x40000000L)[1]);
        assertEquals(0x00080518L, q.leaves().get(0x40000003L)[3]);
        assertEquals(0x2affL, q.leaves().get(0x40000003L)[0]);
        assertFalse(q.leaves().containsKey(0x4000000BL));
        assertArrayEquals(new long[4], q.leaves().get(0x40000080L));
        assertEquals(0x01007efbL, q.leaves().get(0x40000101L)[0]);
    }

    @Test
    void theGuestCommandRoundTripsThroughBase64() {
        String word = GuestFacts.runWord();
        assertTrue(word.startsWith("jvmm.run="));
        String decoded = new String(Base64.getDecoder().decode(word.substring("jvmm.run=".length())), StandardCharsets.UTF_8);
        assertEquals(GuestFacts.COMMAND, decoded);
        assertFalse(word.contains(" "));
    }
}
