// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Builds the test guests of {@code src/test/guests} into flat binaries under
 * {@code target/guests}, once per JVM, with the installed gcc, ld and objcopy (see the README
 * there for the commands). A missing tool fails the test: these guests are the only way to drive
 * a real vCPU, so a silent skip would hide that nothing ran.
 *
 * <p>Paths resolve against the vmm module directory, which is the working directory of its tests;
 * the hyperv module reaches the sources through {@link #moduleDir()} too.
 */
public final class GuestBinaries {
    /** Guest-physical address every guest is linked at and loaded to. */
    public static final long LOAD_ADDRESS = 0x1000;

    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

    private GuestBinaries() {}

    /** The flat binary of {@code src/test/guests/NAME.S}, built on first use. */
    public static byte[] get(String name) {
        return CACHE.computeIfAbsent(name, GuestBinaries::build);
    }

    /** Path of the built binary of {@code name}, building it first if needed. */
    public static Path path(String name) {
        get(name);
        return outputDir().resolve(name + ".bin");
    }

    /** The vmm module directory, found from the working directory (vmm/ or the repository root). */
    public static Path moduleDir() {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path candidate : List.of(cwd, cwd.resolve("vmm"), cwd.resolveSibling("vmm"))) {
            if (Files.isDirectory(candidate.resolve("src/test/guests"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find vmm/src/test/guests from " + cwd);
    }

    private static Path outputDir() {
        return moduleDir().resolve("target/guests");
    }

    private static byte[] build(String name) {
        Path source = moduleDir().resolve("src/test/guests/" + name + ".S");
        if (!Files.isRegularFile(source)) {
            throw new IllegalArgumentException("no test guest " + source);
        }
        try {
            Path out = outputDir();
            Files.createDirectories(out);
            Path obj = out.resolve(name + ".o");
            Path elf = out.resolve(name + ".elf");
            Path bin = out.resolve(name + ".bin");
            run("gcc", "-c", "-nostdlib", source.toString(), "-o", obj.toString());
            run("ld", "-m", "elf_x86_64", "-Ttext=0x" + Long.toHexString(LOAD_ADDRESS),
                    "-o", elf.toString(), obj.toString());
            run("objcopy", "-O", "binary", "-j", ".text", elf.toString(), bin.toString());
            return Files.readAllBytes(bin);
        } catch (IOException e) {
            throw new IllegalStateException("building test guest " + name + ": " + e.getMessage(), e);
        }
    }

    private static void run(String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0]
                    + " (install gcc/binutils to build the test guests): " + e.getMessage(), e);
        }
        try {
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command[0], e);
        }
    }
}
