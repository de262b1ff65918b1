// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACPICA's own tools as the oracle for the tables jvmm writes: {@code iasl -d} must disassemble
 * each of them without an error, warning or checksum complaint, and compiling the disassembly
 * again must give back jvmm's bytes (all but the compiler ID and revision, which iasl writes as
 * its own, and the checksum, which follows them). scripts/test installs iasl (Debian's
 * acpica-tools) when it is missing.
 */
class IaslOracleTest {
    @TempDir
    static Path dir;
    static AcpiTables.Written tables;

    @BeforeAll
    static void writeTables() {
        List<byte[]> devices = List.of(AcpiDevices.serial("COM1", 1, 0x3f8, 4),
                AcpiDevices.ps2Keyboard("PS2K", 0x60, 0x64, 1), AcpiDevices.ps2Mouse("PS2M", 12),
                AcpiDevices.cmosRtc("RTC", 0x70, 2), AcpiDevices.hpet("HPET", 0xfed00000L, 0x400));
        tables = AcpiTables.write(AcpiTablesTest.memory(), 3, 0xfee00000L, 0xfec00000L, devices,
                List.of(HpetTable.build(0x8086a201, 0xfed00000L, 10_000)));
    }

    /** Runs iasl with {@code args} in the temp dir; returns its output, failing on a non-zero exit. */
    static String iasl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("iasl"));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("iasl is not installed (Debian: apt-get install acpica-tools;"
                    + " scripts/test installs it)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "iasl hung");
        assertEquals(0, p.exitValue(), "iasl " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    /** Disassembles, checks the listing is clean, recompiles; returns the recompiled table. */
    static byte[] roundTrip(String sig) throws Exception {
        String name = sig.toLowerCase();
        Files.write(dir.resolve(name + ".dat"), tables.bytes().get(sig));
        String out = iasl("-d", name + ".dat");
        String dsl = Files.readString(dir.resolve(name + ".dsl"));
        for (String bad : List.of("Error", "Warning", "Invalid", "Incorrect checksum", "**** ")) {
            assertTrue(!out.contains(bad) && !dsl.contains(bad), sig + ": iasl -d says '" + bad + "':\n" + out + dsl);
        }
        String compiled = iasl("-p", name + "-again", name + ".dsl");
        assertTrue(compiled.contains("0 Errors, 0 Warnings"), compiled);
        Path again = Files.exists(dir.resolve(name + "-again.aml")) ? dir.resolve(name + "-again.aml")
                : dir.resolve(name + "-again.dat");
        return Files.readAllBytes(again);
    }

    /** Compares everything but the checksum (9) and the compiler ID and revision (28..35). */
    static void assertSameTable(String sig, byte[] ours, byte[] iasls) {
        assertEquals(ours.length, iasls.length, sig + " length");
        byte[] a = ours.clone();
        byte[] b = iasls.clone();
        for (int i : new int[] {9, 28, 29, 30, 31, 32, 33, 34, 35}) {
            a[i] = 0;
            b[i] = 0;
        }
        assertArrayEquals(a, b, sig + " differs from iasl's compilation of its disassembly at byte "
                + Arrays.mismatch(a, b));
    }

    @Test
    void dsdtDisassemblesCleanlyAndCompilesBackToTheSameAml() throws Exception {
        assertSameTable("DSDT", tables.bytes().get("DSDT"), roundTrip("DSDT"));
        String dsl = Files.readString(dir.resolve("dsdt.dsl"));
        for (String expected : List.of("Device (COM1)", "EisaId (\"PNP0501\")", "IO (Decode16,",
                "0x03F8,             // Range Minimum", "IRQNoFlags ()", "Name (_S5, Package (0x02)",
                "EisaId (\"PNP0303\")", "EisaId (\"PNP0F13\")", "EisaId (\"PNP0B00\")",
                "EisaId (\"PNP0103\")", "Memory32Fixed (ReadOnly,", "0xFED00000,         // Address Base")) {
            assertTrue(dsl.contains(expected), "'" + expected + "' missing from the disassembly:\n" + dsl);
        }
    }

    @Test
    void fadtMadtAndFacsDisassembleCleanlyAndCompileBack() throws Exception {
        for (String sig : List.of("FACP", "APIC", "XSDT", "HPET")) {
            assertSameTable(sig, tables.bytes().get(sig), roundTrip(sig));
        }
        byte[] facs = roundTrip("FACS");
        assertArrayEquals(tables.bytes().get("FACS"), facs, "FACS");
    }

    @Test
    void theDisassemblyShowsTheFieldsLinuxReads() throws Exception {
        roundTrip("FACP");
        roundTrip("APIC");
        String fadt = Files.readString(dir.resolve("facp.dsl"));
        String madt = Files.readString(dir.resolve("apic.dsl"));
        for (String s : List.of("SCI Interrupt : 0009", "PM1A Event Block Address : 00000600",
                "PM1A Control Block Address : 00000604", "8042 Present on ports 60/64 (V2) : 1",
                "Reset Register Supported (V2) : 1", "Value to cause reset : FE",
                "PM Timer Block Address : 00000608", "PM Timer Block Length : 04", "32-bit PM Timer (V1) : 0")) {
            assertTrue(fadt.replaceAll(" +", " ").contains(s), "'" + s + "' missing:\n" + fadt);
        }
        assertEquals(3, madt.replaceAll(" +", " ").split("Subtable Type : 00 \\[Processor Local APIC\\]", -1).length - 1,
                "one local APIC per CPU:\n" + madt);
        assertTrue(madt.contains("Interrupt Source Override"), madt);
        assertTrue(madt.contains("Local APIC NMI"), madt);
    }

    @Test
    void theHpetTableShowsQemusBlockIdAndAddress() throws Exception {
        roundTrip("HPET");
        String hpet = Files.readString(dir.resolve("hpet.dsl")).replaceAll(" +", " ");
        for (String s : List.of("Signature : \"HPET\"", "Hardware Block ID : 8086A201", "Address : 00000000FED00000",
                "Sequence Number : 00", "Minimum Clock Ticks : 2710", "Space ID : 00 [SystemMemory]")) {
            assertTrue(hpet.contains(s), "'" + s + "' missing:\n" + hpet);
        }
    }
}
