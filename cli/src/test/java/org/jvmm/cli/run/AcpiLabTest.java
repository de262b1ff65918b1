// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.testing.TestGuestImage;

/**
 * The ACPI tables jvmm writes, as Debian's stock kernel sees them: Linux's own log is the oracle.
 * It must find the tables, enable the interpreter, take SMP from the MADT and the legacy devices
 * from the DSDT, log no ACPI error or warning, and power off through S5 (PM1a control); with
 * {@code acpi=off} it must still boot from the MP table. Tagged {@code lab-boot}: it needs a KVM
 * that boots a stock kernel.
 */
@Tag("lab-boot")
class AcpiLabTest {
    private static final Duration BOOT = Duration.ofMinutes(4);
    /** The guest prints its warnings and errors, then the ACPI lines it logs at info level. */
    private static final String SHOW = "echo ---warn; dmesg -l emerg,alert,crit,err,warn; echo ---info;"
            + " dmesg | grep -E 'ACPI: (Interpreter enabled|PM: \\(supports|Using ACPI \\(MADT\\))|pnp: PnP ACPI: found|i8042: PNP|00:0.: ttyS0'";

    private static JvmmProcess.Result boot(int cpus, String cmdline) throws Exception {
        String run = "jvmm.run=" + Base64.getEncoder().encodeToString(SHOW.getBytes(StandardCharsets.UTF_8));
        return JvmmProcess.run(BOOT, "run", "--kernel", TestGuestImage.kernel().toString(),
                "--initrd", TestGuestImage.initrd().toString(), "--memory", "256M", "--cpus", Integer.toString(cpus),
                "--cmdline", cmdline + " " + run + " jvmm.exit");
    }

    private static String section(String out, String from, String to) {
        int a = out.indexOf(from);
        int b = out.indexOf(to, a + 1);
        assertTrue(a >= 0 && b > a, "sections missing:\n" + out);
        return out.substring(a + from.length(), b);
    }

    @Test
    void twoCpusBootWithAcpiLogNoAcpiProblemAndPowerOffThroughS5() throws Exception {
        // loglevel=0 keeps even "reboot: Power down" off the console: only the PM1a control write
        // (S5) can end this VM as a power-off.
        JvmmProcess.Result r = boot(2, "console=ttyS0 panic=-1 pci=off loglevel=0");
        String out = r.stdout().replace("\r", "");
        assertTrue(out.contains("nproc=2\n"), out);
        String warn = section(out, "---warn\n", "---info\n");
        for (String line : warn.lines().toList()) {
            assertTrue(!line.matches("(?i).*(ACPI|BIOS|firmware|PNP|MADT|IRQ).*"), "ACPI trouble in Linux's log: " + line + "\n" + warn);
        }
        String info = section(out, "---info\n", "JVMM-GUEST-EXIT=0");
        for (String expected : List.of("ACPI: Using ACPI (MADT) for SMP configuration information",
                "ACPI: Interpreter enabled", "ACPI: PM: (supports S0 S5)", "pnp: PnP ACPI: found 4 devices",
                "i8042: PNP: PS/2 Controller [PNP0303:PS2K,PNP0f13:PS2M]", "00:00: ttyS0 at I/O 0x3f8 (irq = 4")) {
            assertTrue(info.contains(expected), "'" + expected + "' missing from Linux's log:\n" + info);
        }
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stderr().contains("guest powered off (ACPI S5)"), r.stderr());
    }

    @Test
    void withAcpiOffLinuxBootsFromTheMpTable() throws Exception {
        JvmmProcess.Result r = boot(2, "console=ttyS0 reboot=k panic=-1 pci=off quiet acpi=off");
        String out = r.stdout().replace("\r", "");
        assertTrue(out.contains("nproc=2\n"), out);
        assertTrue(!section(out, "---info\n", "JVMM-GUEST-EXIT=0").contains("ACPI: Interpreter enabled"), out);
        assertEquals(0, r.code(), r.stderr());
    }
}
