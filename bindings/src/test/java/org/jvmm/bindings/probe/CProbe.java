// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.probe;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compiles and runs a small C program with gcc to learn what the C compiler thinks of a header:
 * sizes, offsets and macro values. The program prints {@code key value} lines; {@link #run}
 * returns them as a map.
 *
 * <p>gcc is part of the build machine's toolchain; when it is missing the calling test fails
 * (it does not skip), because without it the bindings are unproven.
 */
public final class CProbe {

    private final String name;
    private final List<String> includes = new ArrayList<>();
    private final StringBuilder body = new StringBuilder();
    private int lines;

    /** @param name file name stem under target/c-probes, e.g. {@code "kvm-layout"} */
    public CProbe(String name, String... includes) {
        this.name = name;
        this.includes.addAll(List.of(includes));
    }

    /** Prints {@code key} followed by the unsigned value of the C expression {@code expr}. */
    public void print(String key, String expr) {
        body.append("  printf(\"%s %llu\\n\", \"").append(key).append("\", (unsigned long long)(")
                .append(expr).append("));\n");
        lines++;
    }

    /** How many lines the program will print. */
    public int size() {
        return lines;
    }

    /** The program's source text. */
    public String source() {
        StringBuilder src = new StringBuilder("#define _GNU_SOURCE\n#include <stdio.h>\n#include <stddef.h>\n");
        for (String include : includes) {
            src.append("#include <").append(include).append(">\n");
        }
        return src.append("int main(void) {\n").append(body).append("  return 0;\n}\n").toString();
    }

    /** Compiles with gcc into target/c-probes, runs the program and returns key to value. */
    public Map<String, String> run() throws IOException, InterruptedException {
        Path dir = Path.of("target", "c-probes").toAbsolutePath();
        Files.createDirectories(dir);
        Path c = dir.resolve(name + ".c");
        Path exe = dir.resolve(name);
        Files.writeString(c, source());
        String compiled;
        try {
            compiled = exec(dir, "gcc", "-std=gnu11", "-Wall", "-Werror", "-o", exe.toString(), c.toString());
        } catch (IOException e) {
            throw new AssertionError("gcc is needed to check the bindings against the kernel headers and was not found"
                    + " (apt-get install gcc linux-libc-dev): " + e.getMessage(), e);
        }
        if (compiled != null) {
            fail("gcc rejected " + c + ":\n" + compiled);
        }
        String out = execOutput(dir, exe.toString());
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (!line.isEmpty()) {
                int space = line.lastIndexOf(' ');
                values.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        if (values.size() != lines) {
            fail(exe + " printed " + values.size() + " distinct keys, expected " + lines);
        }
        return values;
    }

    /** Runs a command; returns null on success or its output on failure. */
    private static String exec(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out";
        }
        return p.exitValue() == 0 ? null : output;
    }

    private static String execOutput(Path dir, String exe) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(exe).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            fail(exe + " exited with " + p.exitValue() + ":\n" + output);
        }
        return output;
    }
}
