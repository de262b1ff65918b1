// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to {@code jvmm run}, through the real command line in a child process: each is one
 * line on stderr naming the file or value, a non-zero exit, and no stack trace. Needs no guest
 * kernel: the failures happen before anything boots. (An initrd too large for RAM needs a kernel
 * that loads: RunLabTest and vmm's LinuxVmTest cover it.)
 */
class RunErrorsTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static Path corrupt;
    static Path truncated;

    @BeforeAll
    static void files() throws Exception {
        corrupt = Files.writeString(dir.resolve("corrupt-kernel"), "this is not a kernel\n".repeat(100));
        // A bzImage header (HdrS, protocol 2.15, 4 setup sectors) in a file that ends in the setup code.
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) 4).putShort(0x1fe, (short) 0xaa55).putInt(0x202, 0x53726448).putShort(0x206, (short) 0x020f);
        truncated = Files.write(dir.resolve("truncated-bzImage"), b.array());
    }

    static void assertOneLineError(JvmmProcess.Result r, String mustContain) {
        assertNotEquals(0, r.code(), r.stderr());
        String err = r.stderr().strip();
        assertFalse(err.contains("\n"), "one line expected:\n" + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace:\n" + err);
        assertTrue(err.startsWith("jvmm: "), err);
        assertTrue(err.contains(mustContain), "'" + mustContain + "' expected in: " + err);
    }

    @Test
    @Tag("kvm")
    void corruptKernel() throws Exception {
        JvmmProcess.Result r = JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString());
        assertOneLineError(r, corrupt.toString());
        assertTrue(r.stderr().contains("not a kernel"), r.stderr());
        assertEquals(1, r.code());
    }

    @Test
    @Tag("kvm")
    void truncatedKernel() throws Exception {
        JvmmProcess.Result r = JvmmProcess.run(LIMIT, "run", "--kernel", truncated.toString());
        assertOneLineError(r, truncated.toString());
    }

    @Test
    void missingKernelAndInitrd() throws Exception {
        assertOneLineError(JvmmProcess.run(LIMIT, "run", "--kernel", dir.resolve("nope").toString()), "nope");
        assertOneLineError(JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(),
                "--initrd", dir.resolve("no-initrd").toString()), "no-initrd");
    }

    @Test
    void memoryNonsense() throws Exception {
        for (String bad : new String[] {"0", "-1G", "lots", "1.5G"}) {
            JvmmProcess.Result r = JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(), "--memory", bad);
            assertOneLineError(r, "'" + bad + "'");
            assertEquals(2, r.code());
        }
        JvmmProcess.Result tooMuch = JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(), "--memory", "64T");
        assertOneLineError(tooMuch, "host");
        JvmmProcess.Result tooLittle = JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(), "--memory", "1M");
        assertOneLineError(tooLittle, "--memory");
    }

    @Test
    void maxMemoryNonsense() throws Exception {
        JvmmProcess.Result word = JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(), "--max-memory", "lots");
        assertOneLineError(word, "'lots'");
        assertEquals(2, word.code());
        JvmmProcess.Result below = JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(),
                "--memory", "512M", "--max-memory", "256M");
        assertOneLineError(below, "--max-memory 256 MiB is less than --memory 512 MiB");
        assertEquals(1, below.code());
        JvmmProcess.Result noDevice = JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(),
                "--memory", "512M", "--max-memory", "1G");
        assertOneLineError(noDevice, "add --vmbus --balloon");
        assertEquals(1, noDevice.code());
    }

    @Test
    @Tag("kvm")
    void cpuCounts() throws Exception {
        assertOneLineError(JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(), "--cpus", "0"), "--cpus 0");
        assertOneLineError(JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(), "--cpus", "100000"), "--cpus 100000");
        assertOneLineError(JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(), "--cpus", "two"), "two");
    }

    @Test
    void badTimeoutAndConsole() throws Exception {
        assertOneLineError(JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(), "--timeout", "0s"), "'0s'");
        assertOneLineError(JvmmProcess.run(LIMIT, "run", "--kernel", corrupt.toString(), "--console", "tcp:1"), "'tcp:1'");
    }
}
