// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tiny 64-bit "kernels" (ELF, linked at 2 MiB) built with gcc at test time, entered exactly as a
 * vmlinux is: through LinuxBoot's page tables, GDT and registers. They talk to jvmm's devices with
 * port I/O, which this host's KVM runs even though it cannot boot a real kernel. The body is
 * GNU assembler in Intel syntax; {@code putc} (AL to COM1) and {@code getc} (wait for a COM1 byte
 * into AL) are provided. gcc is part of the build machine: without it the tests fail.
 */
final class TinyKernel {
    private static final String PRELUDE = """
            .intel_syntax noprefix
            .code64
            .globl _start
            .text
            _start:
              lea rsp, [rip + stack_top]
              jmp body
            putc:
              mov dx, 0x3f8
              out dx, al
              ret
            getc:
              mov dx, 0x3fd
            1: in al, dx
              test al, 1
              jz 1b
              mov dx, 0x3f8
              in al, dx
              ret
            body:
            """;
    private static final String EPILOGUE = """
            .bss
            .skip 4096
            stack_top:
            """;
    private static final String LINK = """
            ENTRY(_start)
            SECTIONS {
              . = 0x200000;
              .text : { *(.text) }
              .data : { *(.data) }
              .bss : { *(.bss) }
              /DISCARD/ : { *(.note*) *(.eh_frame*) }
            }
            """;

    private TinyKernel() {}

    /** Prints {@code text} on COM1 (one putc per byte) then runs {@code body}. */
    static Path build(Path dir, String name, String text, String body) throws IOException, InterruptedException {
        StringBuilder src = new StringBuilder(PRELUDE);
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.US_ASCII)) {
            src.append("  mov al, ").append(b & 0xff).append("\n  call putc\n");
        }
        src.append(body).append('\n').append(EPILOGUE);
        Path s = Files.writeString(dir.resolve(name + ".S"), src);
        Path ld = Files.writeString(dir.resolve(name + ".ld"), LINK);
        Path out = dir.resolve(name + ".elf");
        Process p = new ProcessBuilder(List.of("gcc", "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none",
                "-Wl,-T," + ld, "-o", out.toString(), s.toString()))
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("gcc failed for " + name + ": " + log);
        }
        return out;
    }
}
