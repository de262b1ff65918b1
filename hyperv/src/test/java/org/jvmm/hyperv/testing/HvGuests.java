// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.machine.MachineBuilder;
import org.jvmm.vmm.testing.GuestBinaries;
import org.jvmm.vmm.testing.GuestSetup;

/**
 * The hyperv module's own test guests ({@code hyperv/src/test/hvguests/NAME.S}), built with the same
 * commands as vmm's {@link GuestBinaries} (gcc, ld -Ttext=0x1000, objcopy) into
 * {@code hyperv/target/hvguests}, and loaded in long mode with vmm's {@link GuestSetup}. A missing
 * tool fails the test, as in vmm.
 */
public final class HvGuests {
    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

    private HvGuests() {}

    public static byte[] get(String name) {
        return CACHE.computeIfAbsent(name, HvGuests::build);
    }

    /** Builds {@code builder}, loads {@code guest} and puts every vCPU in long mode at its start. */
    public static Machine loadLongMode(MachineBuilder builder, String guest) {
        Machine m = builder.build();
        try {
            m.memory().write(GuestBinaries.LOAD_ADDRESS, get(guest));
            GuestSetup.writeLongModeTables(m.memory());
            for (Vcpu v : m.vcpus()) {
                GuestSetup.longMode(v, GuestBinaries.LOAD_ADDRESS);
            }
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    static Path moduleDir() {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path c : List.of(cwd, cwd.resolve("hyperv"), cwd.resolveSibling("hyperv"))) {
            if (Files.isDirectory(c.resolve("src/test/hvguests"))) {
                return c;
            }
        }
        throw new IllegalStateException("cannot find hyperv/src/test/hvguests from " + cwd);
    }

    private static byte[] build(String name) {
        Path dir = moduleDir();
        Path source = dir.resolve("src/test/hvguests/" + name + ".S");
        if (!Files.isRegularFile(source)) {
            throw new IllegalArgumentException("no test guest " + source);
        }
        try {
            Path out = dir.resolve("target/hvguests");
            Files.createDirectories(out);
            Path obj = out.resolve(name + ".o");
            Path elf = out.resolve(name + ".elf");
            Path bin = out.resolve(name + ".bin");
            if (upToDate(bin, source, source.resolveSibling("hv_common.inc"))) {
                // Lab runs reuse what the host build made: gcc under emulation costs seconds.
                return Files.readAllBytes(bin);
            }
            run("gcc", "-c", "-nostdlib", source.toString(), "-o", obj.toString());
            run("ld", "-m", "elf_x86_64", "-Ttext=0x" + Long.toHexString(GuestBinaries.LOAD_ADDRESS),
                    "-o", elf.toString(), obj.toString());
            run("objcopy", "-O", "binary", "-j", ".text", elf.toString(), bin.toString());
            return Files.readAllBytes(bin);
        } catch (IOException e) {
            throw new IllegalStateException("building test guest " + name + ": " + e.getMessage(), e);
        }
    }

    private static boolean upToDate(Path bin, Path... sources) throws IOException {
        if (!Files.isRegularFile(bin)) {
            return false;
        }
        for (Path s : sources) {
            if (Files.getLastModifiedTime(s).compareTo(Files.getLastModifiedTime(bin)) > 0) {
                return false;
            }
        }
        return true;
    }

    /** The guests the lab tests use, so a host build can assemble them all beforehand. */
    public static final java.util.List<String> ALL = java.util.List.of("hv_vpindex", "hv_timeref", "hv_hcall", "hv_synic", "hv_testdev", "hv_vapic_census");

    private static void run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd[0], e);
        }
    }
}
