// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.vmm.testing.TestGuestImage;

/**
 * {@code jvmm run} boots Debian's stock kernel with the busybox test guest ({@link TestGuestImage}),
 * driven as a user drives it: a child process with stdin as a pipe. Needs a KVM that boots a
 * stock kernel (the Hyper-V lab; any ordinary KVM host too). Each test is one boot; {@code quiet}
 * keeps the slow emulated serial line short.
 *
 * <p>Tagged {@code lab-boot}: scripts/lab-tests runs them in the lab beside the {@code lab} tests.
 * (They stalled in early boot until the lab got one vCPU: see scripts/lab/README.md.)
 */
@Tag("lab-boot")
class RunLabTest {
    /** Generous: the lab is emulated, and shared with other builds. */
    private static final Duration BOOT = Duration.ofMinutes(4);
    private static final String CMDLINE = "console=ttyS0 reboot=k panic=-1 pci=off quiet";

    @TempDir
    Path dir;

    private static String[] args(int cpus, String cmdline, String... more) {
        List<String> a = new ArrayList<>(List.of("run", "--kernel", TestGuestImage.kernel().toString(),
                "--initrd", TestGuestImage.initrd().toString(), "--memory", "256M", "--cpus", Integer.toString(cpus),
                "--cmdline", cmdline));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static String run(String shell) {
        return "jvmm.run=" + Base64.getEncoder().encodeToString(shell.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void oneCpuBootsToInitAndTheGuestChoosesTheExitCode() throws Exception {
        JvmmProcess.Result r = JvmmProcess.run(BOOT,
                args(1, CMDLINE + " " + run("printf '\\005' | dd of=/dev/port bs=1 seek=1281 2>/dev/null; echo not-reached")));
        assertTrue(r.stdout().contains("JVMM-GUEST-READY\n"), r.stdout());
        assertTrue(r.stdout().contains("nproc=1\n"), r.stdout());
        assertFalse(r.stdout().contains("not-reached"), r.stdout());
        assertEquals(11, r.code(), r.stderr());
        assertTrue(r.stderr().contains("debug-exit"), r.stderr());
    }

    @Test
    void twoCpusBootAndGuestRebootExitsZero() throws Exception {
        JvmmProcess.Result r = JvmmProcess.run(BOOT, args(2, CMDLINE + " jvmm.exit=reboot"));
        assertTrue(r.stdout().contains("nproc=2\n"), r.stdout());
        assertTrue(r.stdout().contains("JVMM-GUEST-EXIT=0\n"), r.stdout());
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stderr().contains("guest reset"), r.stderr());
    }

    @Test
    void aTypedLineReachesTheGuestShellAndItsAnswerComesBack() throws Exception {
        try (JvmmProcess p = startToReady(args(1, CMDLINE))) {
            p.type("echo answer-$((6 * 7))-from-guest\n");
            p.awaitStdout("answer-42-from-guest", Duration.ofMinutes(1));
            p.type("poweroff -f\n");
            assertEquals(0, p.waitFor(Duration.ofMinutes(1)), p.stderr());
            assertTrue(p.stderr().contains("powered off"), p.stderr());
        }
    }

    /** Starts jvmm and waits for the init marker. */
    private static JvmmProcess startToReady(String... args) throws Exception {
        JvmmProcess p = JvmmProcess.start(args);
        try {
            p.awaitStdout("JVMM-GUEST-READY", BOOT);
            return p;
        } catch (AssertionError | Exception e) {
            p.close();
            throw e;
        }
    }

    @Test
    void timeoutEndsTheVmWith124() throws Exception {
        try (JvmmProcess p = JvmmProcess.start(args(1, CMDLINE, "--timeout", "3s"))) {
            assertEquals(124, p.waitFor(BOOT), p.stderr());
            assertTrue(p.stderr().contains("timed out after 3s"), p.stderr());
        }
    }

    @Test
    void initrdTooLargeForGuestRamIsOneLineNamingIt() throws Exception {
        Path big = dir.resolve("huge-initrd.cpio");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(160L << 20); // sparse
        }
        // 128 MiB leaves room for the kernel's 64 MiB footprint at 16 MiB, but not for 160 MiB more.
        JvmmProcess.Result r = JvmmProcess.run(BOOT, "run", "--kernel", TestGuestImage.kernel().toString(),
                "--initrd", big.toString(), "--memory", "128M");
        assertEquals(1, r.code(), r.stderr());
        String err = r.stderr().strip();
        assertFalse(err.contains("\n"), err);
        assertTrue(err.startsWith("jvmm: " + big), err);
    }
}
