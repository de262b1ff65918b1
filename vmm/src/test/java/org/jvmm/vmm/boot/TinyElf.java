// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds tiny x86-64 ELF executables with gcc at test time, so the fixtures are real linker
 * output rather than hand-assembled headers. gcc is part of the build machine; without it the
 * tests fail rather than skip.
 *
 * <p>The program: {@code _start: hlt; jmp _start}, a .data quad 0x1122334455667788 and 8 KiB of
 * .bss. "phys" links it at 0x200000; "virt" links it at 0xffffffff80200000 with load addresses
 * 0x200000 (text) and 0x201000 (data), the way vmlinux separates virtual and physical.
 */
final class TinyElf {
    static final long DATA_MARKER = 0x1122334455667788L;

    private static final String SOURCE = """
            .globl _start
            .text
            _start: hlt
              jmp _start
            .data
            marker: .quad 0x1122334455667788
            .bss
            .skip 8192
            """;
    private static final String PHYS = """
            ENTRY(_start)
            SECTIONS {
              . = 0x200000;
              .text : { *(.text) }
              .data : { *(.data) }
              .bss : { *(.bss) }
              /DISCARD/ : { *(.note*) *(.eh_frame*) }
            }
            """;
    private static final String VIRT = """
            ENTRY(_start)
            SECTIONS {
              . = 0xffffffff80200000;
              .text : AT(0x200000) { *(.text) }
              .data : AT(0x201000) { *(.data) }
              .bss : AT(0x201008) { *(.bss) }
              /DISCARD/ : { *(.note*) *(.eh_frame*) }
            }
            """;

    private TinyElf() {}

    static Path phys(Path dir) throws IOException, InterruptedException {
        return build(dir, "phys", PHYS);
    }

    static Path virt(Path dir) throws IOException, InterruptedException {
        return build(dir, "virt", VIRT);
    }

    private static Path build(Path dir, String name, String script) throws IOException, InterruptedException {
        Path src = Files.writeString(dir.resolve(name + ".S"), SOURCE);
        Path ld = Files.writeString(dir.resolve(name + ".ld"), script);
        Path out = dir.resolve(name + ".elf");
        Process gcc = new ProcessBuilder(List.of("gcc", "-nostdlib", "-static", "-no-pie",
                "-Wl,-T," + ld, "-Wl,--build-id=none", "-o", out.toString(), src.toString()))
                .redirectErrorStream(true).start();
        String log = new String(gcc.getInputStream().readAllBytes());
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            throw new IllegalStateException("gcc failed for " + name + ": " + log);
        }
        return out;
    }
}
