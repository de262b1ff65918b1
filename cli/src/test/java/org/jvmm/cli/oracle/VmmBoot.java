// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.oracle;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Boots the test guest once under one VMM, as a child process with stdin from /dev/null (QEMU
 * inside the lab must not read the lab's console) and its output in files, bounded in time.
 * {@link #jvmm} and {@link #qemu} build the two command lines from the same guest and kernel
 * command line, so that only the VMM differs.
 */
final class VmmBoot {
    /** Guest RAM and vCPUs of both VMMs. */
    static final String MEMORY = "512M";
    static final int CPUS = 2;

    record Result(String vmm, int code, String stdout, String stderr, double seconds) {
        String transcript() {
            return vmm + " exit " + code + " after " + String.format("%.1f", seconds) + " s\n--- stdout:\n" + stdout
                    + "\n--- stderr:\n" + stderr;
        }
    }

    private VmmBoot() {
    }

    /**
     * {@code jvmm run} in a fresh JVM (C1 only: it starts faster under emulation) with the test's
     * own class path; its own {@code --timeout} ends a hung guest first.
     */
    static List<String> jvmm(Path kernel, Path initrd, String cmdline, String hvFlags, Duration limit) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED", "-cp", classPath(), "org.jvmm.cli.Main",
                "run", "--kernel", kernel.toString(), "--initrd", initrd.toString(), "--cpus", Integer.toString(CPUS),
                "--memory", MEMORY, "--timeout", limit.toSeconds() + "s", "--cmdline", cmdline));
        if (!hvFlags.isEmpty()) {
            cmd.addAll(List.of("--hv", hvFlags));
        }
        return cmd;
    }

    /**
     * QEMU with KVM and {@code -cpu host,migratable=off,<flags>}: migratable=off hands the guest
     * every feature KVM supports (invtsc included), as jvmm does with KVM_GET_SUPPORTED_CPUID.
     * The machine is QEMU's {@code pc} with its HPET and ACPI PM timer, which jvmm has too, so both
     * guests choose among the same clocksources; trimmed only of what costs boot time and that
     * jvmm lacks: no default NIC/VGA (-nodefaults: iPXE's ROM), COM1 on stdio. ACPI stays: without
     * it SeaBIOS's MP table lists one CPU, and the guest must see two, as under jvmm.
     */
    static List<String> qemu(Path kernel, Path initrd, String cmdline, String hvFlags) {
        String cpu = "host,migratable=off" + (hvFlags.isEmpty() ? "" : "," + hvFlags);
        return List.of("qemu-system-x86_64", "-accel", "kvm", "-cpu", cpu, "-machine", "pc",
                "-m", MEMORY, "-smp", Integer.toString(CPUS), "-nodefaults", "-no-user-config", "-display", "none",
                "-serial", "stdio", "-no-reboot", "-kernel", kernel.toString(), "-initrd", initrd.toString(),
                "-append", cmdline);
    }

    /** Starts {@code cmd}; the returned boot is joined with {@link Running#await}. */
    static Running start(String vmm, List<String> cmd, Path dir) throws Exception {
        Path out = dir.resolve(vmm + ".out");
        Path err = dir.resolve(vmm + ".err");
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Running(vmm, p, out, err, System.nanoTime());
    }

    /** A boot that did not end in time: the VMM was killed; the message holds its transcript. */
    static final class Hung extends AssertionError {
        Hung(String message) {
            super(message);
        }
    }

    record Running(String vmm, Process process, Path out, Path err, long startNanos) {
        /** Waits for the end; kills the VMM and throws {@link Hung} with its output when {@code limit} passes. */
        Result await(Duration limit) throws Exception {
            boolean ended = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                kill();
            }
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            Result r = new Result(vmm, ended ? process.exitValue() : -1, read(out), read(err), seconds);
            if (!ended) {
                throw new Hung(vmm + " did not end within " + limit + "\n" + r.transcript());
            }
            return r;
        }

        /** Ends the VMM and whatever it started, now. */
        void kill() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        private static String read(Path file) throws Exception {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).replace("\r", "");
        }
    }

    /**
     * The class path the jvmm child needs: the JVM's own plus the URLs of the loader that loaded
     * the tests, which JUnit's console launcher adds at run time.
     */
    private static String classPath() {
        List<String> parts = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (ClassLoader cl = VmmBoot.class.getClassLoader(); cl != null; cl = cl.getParent()) {
            if (cl instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    try {
                        parts.add(Path.of(url.toURI()).toString());
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        // not a file URL: the child could not use it either
                    }
                }
            }
        }
        return String.join(File.pathSeparator, parts);
    }
}
