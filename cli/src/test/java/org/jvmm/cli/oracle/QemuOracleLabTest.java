// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.jvmm.vmm.testing.TestGuestImage;

/**
 * QEMU is the oracle for jvmm's Hyper-V enlightenments (issue 6): for each configuration the
 * stock test guest boots once under {@code jvmm run --hv FLAGS} and once under
 * {@code qemu-system-x86_64 -accel kvm -cpu host,migratable=off,FLAGS}, concurrently, with the
 * same kernel command line, and must report the same hypervisor CPUID leaves
 * (0x40000000..max, 0x40000080..82, 0x40000100..101), the same Linux Hyper-V lines in dmesg and
 * the same clocksource chosen from the same available ones. Configurations QEMU refuses (dependency violations) must fail in both.
 * Needs a KVM with Hyper-V and QEMU: the Hyper-V lab (scripts/lab-tests).
 */
@Tag("lab-oracle")
class QemuOracleLabTest {
    /** Per boot; the lab is emulated and shared, a nested boot takes 15-60 s there. */
    private static final Duration BOOT = Duration.ofMinutes(3);
    /** A refused configuration ends before the guest starts, but JVM start-up in a busy lab took up to 60 s. */
    private static final Duration REFUSAL = Duration.ofMinutes(3);
    /**
     * jvmm's own defaults plus quiet (the emulated serial line is slow) and the guest protocol.
     * Both machines have an HPET and an ACPI PM timer, so nothing neutralises the clocksource
     * Linux picks where neither kvm-clock nor the Hyper-V clocksource is offered (issue 15).
     */
    private static final String CMDLINE = "console=ttyS0 reboot=k panic=-1 pci=off i8042.noaux i8042.nomux"
            + " i8042.dumbkbd quiet " + GuestFacts.runWord() + " jvmm.exit=reboot";

    /** {@code jvmm run}'s exit status when its {@code --timeout} ends the VM. */
    private static final int TIMED_OUT = 124;

    @TempDir
    Path dir;

    static Stream<OracleConfig> configs() {
        return OracleConfig.selected().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void jvmmMatchesQemu(OracleConfig config) throws Exception {
        VmmBoot.Result[] both = bootBothOnceMoreIfTheLabInterfered(config);
        VmmBoot.Result qemu = both[0];
        VmmBoot.Result jvmm = both[1];
        System.out.printf("oracle %s: qemu exit %d in %.1f s, jvmm exit %d in %.1f s%n", config.name(),
                qemu.code(), qemu.seconds(), jvmm.code(), jvmm.seconds());
        if (config.mustFail()) {
            assertRefusedByBoth(config, qemu, jvmm);
            return;
        }
        assertEquals(0, qemu.code(), "QEMU did not boot " + config + "\n" + qemu.transcript());
        assertEquals(0, jvmm.code(), "jvmm did not boot " + config + "\n" + jvmm.transcript());
        GuestFacts q = GuestFacts.parse("qemu", qemu.stdout());
        GuestFacts j = GuestFacts.parse("jvmm", jvmm.stdout());
        if (config.name().equals("passthrough") && qemuBefore81()) {
            q = q.asQemu81Passthrough();
        }
        List<String> diff = j.diff(q);
        System.out.printf("oracle %s: %d leaves, clocksource %s of %s, IRQ 0 %s, %s%n", config.name(),
                q.leaves().size(), q.clocksource(), q.available(), q.irq0(), q.privilegeLine());
        assertTrue(diff.isEmpty(), () -> "jvmm differs from QEMU for " + config + ":\n  "
                + String.join("\n  ", diff) + "\n--- jvmm console:\n" + jvmm.stdout());
        if (config.jvmmOptions().containsAll(OracleConfig.CENSUS)) {
            // The census really was on: the guest's EOIs went through jvmm and were counted.
            Matcher eoi = Pattern.compile("(?m)^msr\\s+0x40000070 wrmsr\\s.*\\s(\\d+)\\s+[0-9.]+$").matcher(jvmm.stderr());
            assertTrue(eoi.find() && Long.parseLong(eoi.group(1)) > 0,
                    "no HV_X64_MSR_EOI writes counted in jvmm's census:\n" + jvmm.stderr());
            System.out.printf("oracle %s: census on, %s HV_X64_MSR_EOI writes counted%n", config.name(), eoi.group(1));
        }
    }

    /**
     * {@link #bootBoth}, and once more when the first attempt says nothing about Hyper-V:
     * <ul>
     * <li>a boot hung: the emulated lab now and then leaves a nested guest hanging, under either
     *     VMM (scripts/lab/README.md);
     * <li>a guest rejected the ACPI PM timer ({@link GuestFacts#pmTimerRejection}): Linux's boot
     *     check takes two reads that straddle the 24-bit wrap more than 0xFFF ticks (1.1 ms)
     *     apart for a broken timer, which is what any virtual PM timer derived from the host
     *     clock (QEMU's and jvmm's alike) shows when the host deschedules the vCPU between the
     *     two reads. Rare in the lab: one guest in the November 2026 runs, none of 122 loaded
     *     guest boots in December.
     * </ul>
     * Either is said on stdout; a second occurrence stands and fails the comparison.
     */
    private VmmBoot.Result[] bootBothOnceMoreIfTheLabInterfered(OracleConfig config) throws Exception {
        String why;
        try {
            VmmBoot.Result[] both = bootBoth(config);
            why = config.mustFail() ? null : pmTimerRejection(both);
            if (why == null) {
                return both;
            }
        } catch (VmmBoot.Hung first) {
            why = first.getMessage().lines().findFirst().orElse("a boot hung");
        }
        System.out.printf("oracle %s: %s; booting both once more%n", config.name(), why);
        return bootBoth(config);
    }

    /** Which guest rejected the PM timer, with Linux's line, or null when both kept it. */
    private static String pmTimerRejection(VmmBoot.Result[] both) {
        String[] names = {"qemu", "jvmm"};
        for (int i = 0; i < 2; i++) {
            String line = GuestFacts.pmTimerRejection(both[i].stdout());
            if (line != null) {
                return names[i] + "'s guest rejected the PM timer (" + line + ")";
            }
        }
        return null;
    }

    /**
     * Boots {@code config} under QEMU and jvmm side by side; returns {QEMU's, jvmm's} results.
     * When one hangs, both are killed and {@link VmmBoot.Hung} names the one that hung.
     */
    private VmmBoot.Result[] bootBoth(OracleConfig config) throws Exception {
        Path kernel = TestGuestImage.kernel();
        Path initrd = TestGuestImage.initrd();
        Duration limit = config.mustFail() ? REFUSAL : BOOT;
        VmmBoot.Running qemuRun = VmmBoot.start("qemu", VmmBoot.qemu(kernel, initrd, CMDLINE, config.hvFlags()), dir);
        List<String> jvmmCmd = new java.util.ArrayList<>(VmmBoot.jvmm(kernel, initrd, CMDLINE, config.hvFlags(), limit.minusSeconds(20)));
        jvmmCmd.addAll(config.jvmmOptions());
        VmmBoot.Running jvmmRun = VmmBoot.start("jvmm", jvmmCmd, dir);
        try {
            VmmBoot.Result qemu = qemuRun.await(limit);
            VmmBoot.Result jvmm = jvmmRun.await(limit);
            if (jvmm.code() == TIMED_OUT) {
                throw new VmmBoot.Hung("jvmm ended by its own --timeout\n" + jvmm.transcript());
            }
            return new VmmBoot.Result[] {qemu, jvmm};
        } finally {
            qemuRun.kill();
            jvmmRun.kill();
        }
    }

    /** QEMU before 8.1 still turns hv-syndbg on with hv-passthrough. */
    private static boolean qemuBefore81() throws Exception {
        Process p = new ProcessBuilder("qemu-system-x86_64", "--version").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = Pattern.compile("version (\\d+)\\.(\\d+)").matcher(out);
        if (!m.find()) {
            throw new AssertionError("cannot read QEMU's version from: " + out);
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major < 8 || major == 8 && minor < 1;
    }

    private static void assertRefusedByBoth(OracleConfig config, VmmBoot.Result qemu, VmmBoot.Result jvmm) {
        assertNotEquals(0, qemu.code(), "QEMU accepted " + config + "\n" + qemu.transcript());
        assertNotEquals(0, jvmm.code(), "jvmm accepted " + config + "\n" + jvmm.transcript());
        assertFalse(jvmm.stdout().contains("JVMM-GUEST-READY"), "jvmm booted " + config + "\n" + jvmm.transcript());
        String err = jvmm.stderr().strip();
        assertTrue(err.startsWith("jvmm: ") && !err.contains("\n"),
                "jvmm's refusal is not one 'jvmm: ' line:\n" + err);
        System.out.printf("oracle %s: qemu: %s%n  jvmm: %s%n", config.name(), qemu.stderr().strip(), err);
        // Same reason: the flags QEMU's message names, e.g. (hv-synic) then (hv-vpindex), in order.
        assertEquals(flagsNamed(qemu.stderr()), flagsNamed(err),
                "jvmm refuses " + config + " for another reason than QEMU:\n  qemu: " + qemu.stderr().strip() + "\n  jvmm: " + err);
    }

    private static List<String> flagsNamed(String message) {
        return Pattern.compile("\\((hv-[a-z-]+)\\)").matcher(message).results().map(r -> r.group(1)).toList();
    }
}
