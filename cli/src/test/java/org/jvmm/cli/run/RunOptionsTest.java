// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.jvmm.vmm.linux.LinuxVmConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/** Option parsing of {@code jvmm run}: sizes, durations, console targets, defaults. */
class RunOptionsTest {
    @Test
    void sizesInBytesAndBinaryUnits() {
        assertEquals(1073741824L, SizeConverter.parse("1073741824"));
        assertEquals(512L << 20, SizeConverter.parse("512M"));
        assertEquals(512L << 20, SizeConverter.parse("512m"));
        assertEquals(2L << 30, SizeConverter.parse("2G"));
        assertEquals(2L << 30, SizeConverter.parse("2GiB"));
        assertEquals(64L << 10, SizeConverter.parse("64K"));
        assertEquals(1L << 40, SizeConverter.parse("1T"));
        assertEquals(4096, SizeConverter.parse("4096b"));
    }

    @Test
    void nonsenseSizesAreRefusedQuotingTheInput() {
        for (String bad : new String[] {"0", "0M", "-1", "-512M", "abc", "1.5G", "12X", "", "99999999999999999999", "16777216T"}) {
            TypeConversionException e = assertThrows(TypeConversionException.class, () -> SizeConverter.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), DurationConverter.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), DurationConverter.parse("30s"));
        assertEquals(Duration.ofMinutes(2), DurationConverter.parse("2m"));
        assertEquals(Duration.ofHours(1), DurationConverter.parse("1h"));
        assertEquals(Duration.ofSeconds(7), DurationConverter.parse("7"));
        for (String bad : new String[] {"0", "0s", "-5s", "soon", "1.5s", "10d", "99999999999999999999h"}) {
            assertThrows(TypeConversionException.class, () -> DurationConverter.parse(bad), bad);
        }
    }

    @Test
    void consoleTargets() {
        ConsoleTarget.Converter c = new ConsoleTarget.Converter();
        assertEquals(ConsoleTarget.STDIO, c.convert("stdio"));
        assertEquals(Optional.of(Path.of("/tmp/x.log")), c.convert("file:/tmp/x.log").file());
        assertThrows(TypeConversionException.class, () -> c.convert("file:"));
        assertThrows(TypeConversionException.class, () -> c.convert("tcp:1234"));
    }

    @Test
    void optionsBecomeTheVmConfig() {
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs("--kernel", "k", "--initrd", "i", "--memory", "1G", "--cpus", "2",
                "--cmdline", "console=ttyS0 quiet", "--timeout", "30s", "--console", "file:c.log");
        LinuxVmConfig config = cmd.config();
        assertEquals(Path.of("k"), config.kernel());
        assertEquals(Optional.of(Path.of("i")), config.initrd());
        assertEquals(1L << 30, config.memoryBytes());
        assertEquals(2, config.cpus());
        assertEquals("console=ttyS0 quiet", config.cmdline());
        assertEquals(Duration.ofSeconds(30), cmd.timeout);
    }

    @Test
    void defaults() {
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd).parseArgs("--kernel", "k");
        LinuxVmConfig config = cmd.config();
        assertEquals(Optional.empty(), config.initrd());
        assertEquals(512L << 20, config.memoryBytes());
        assertEquals(1, config.cpus());
        assertEquals(LinuxVmConfig.DEFAULT_CMDLINE, config.cmdline());
        assertEquals(ConsoleTarget.STDIO, cmd.console);
        assertEquals(null, cmd.timeout);
    }

    @Test
    void helpListsTheExitCodes() {
        String help = new CommandLine(new RunCommand()).getUsageMessage();
        assertTrue(help.contains("124"), help);
        assertTrue(help.contains("(v << 1) | 1"), help);
        assertTrue(help.replaceAll("\\s+", " ").contains(LinuxVmConfig.DEFAULT_CMDLINE.replace("i8042.dumbkbd", "")), help);
        for (String line : help.split("\n")) {
            assertTrue(line.length() <= 80, "help line wider than 80 columns: " + line);
        }
    }
}
