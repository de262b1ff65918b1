// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRegion;
import org.jvmm.vmm.testing.TestGuestImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots a real bzImage with everything this package writes, on QEMU (TCG) instead of KVM, since
 * a stock kernel does not boot on this machine's KVM. jvmm's loaders fill a Java-side guest
 * memory; its low MiB, the kernel and the initrd are handed to QEMU as multiboot modules, and a
 * tiny 32-bit trampoline (generated here from {@link BootCpuState}) copies them into place, loads
 * jvmm's GDT and page tables, enters long mode with the state's registers and jumps to the
 * kernel. The initramfs's /init prints a line on COM1 and exits QEMU through isa-debug-exit.
 *
 * <p>QEMU's PC board wires the PIT to I/O APIC pin 2 (its ACPI tables say so with an override),
 * while jvmm's MP table routes ISA IRQ n to pin n as KVM's default GSI routing does. Under QEMU
 * Linux therefore logs "MP-BIOS bug: 8254 timer not connected to IO-APIC" and falls back to
 * virtual wire mode; that is expected here and does not happen on KVM.
 *
 * <p>It runs on the host in the normal suite, with the test guest's kernel ({@link TestGuestImage};
 * {@code -Djvmm.lab.kernel=PATH} picks another), and needs qemu-system-x86_64, gcc and binutils
 * (scripts/guest/build-test-guest installs QEMU). The kernel must be built with
 * CONFIG_X86_MPPARSE (Debian's linux-image-amd64 is; its -cloud flavour is not: it boots, but with
 * one CPU). It may be the bzImage ({@code apt-get download linux-image-6.1.0-NN-amd64}, then
 * {@code dpkg-deb -x} it) or the vmlinux ELF unpacked from it (the xz stream after the setup code);
 * both pass with Debian's 6.1.0-56 kernel in about 8 seconds.
 */
class QemuDirectBootTest {
    private static final long RAM = 512L << 20;
    private static final long TRAMPOLINE = 0x800_0000L;
    private static final int EXIT_VALUE = 0x2a;

    @TempDir
    Path dir;

    @Test
    void realKernelBootsToInitWithTwoCpus() throws Exception {
        String kernelPath = System.getProperty("jvmm.lab.kernel", TestGuestImage.kernel().toString());
        GuestMemory mem = GuestMemory.of(List.of(new GuestRegion(0, Arena.ofAuto().allocate(RAM, 4096))));
        Path initrd = Files.write(dir.resolve("initramfs.cpio"), Cpio.newc("init", buildInit()));
        LinuxBoot.Result boot = LinuxBoot.prepare(mem, new LinuxBoot.Config(Path.of(kernelPath), Optional.of(initrd),
                "console=ttyS0 panic=-1 loglevel=7", 2));

        record Piece(String name, long gpa, long size) {}
        GuestLayout.Range rd = boot.initrd().orElseThrow();
        List<Piece> pieces = List.of(
                new Piece("low.bin", 0, GuestLayout.HIGH_RAM),
                new Piece("kernel.bin", boot.kernel().loadStart(), boot.kernel().loadEnd() - boot.kernel().loadStart()),
                new Piece("initrd.bin", rd.gpa(), rd.size()));
        List<String> modules = new ArrayList<>();
        List<Long> dests = new ArrayList<>();
        for (Piece p : pieces) {
            Files.write(dir.resolve(p.name()), mem.read(p.gpa(), Math.toIntExact(p.size())));
            modules.add(dir.resolve(p.name()).toString());
            dests.add(p.gpa());
        }
        Path trampoline = buildTrampoline(boot.cpu(), dests);
        Path console = dir.resolve("console.txt");
        // One TCG thread: with multi-threaded TCG this QEMU 7.2 once died with SIGSEGV (exit 139)
        // while the guest probed PCI. One thread boots in the same ~4.6 s and keeps MTTCG's races
        // out of a test of jvmm's loader.
        Process qemu = new ProcessBuilder("qemu-system-x86_64", "-machine", "pc,acpi=off", "-accel", "tcg,thread=single",
                "-m", "512", "-smp", "2", "-display", "none", "-no-reboot", "-monitor", "none",
                "-serial", "file:" + console, "-device", "isa-debug-exit,iobase=0x501,iosize=2",
                "-kernel", trampoline.toString(), "-initrd", String.join(",", modules))
                .redirectErrorStream(true).start();
        String qemuLog = new String(qemu.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(qemu.waitFor(300, TimeUnit.SECONDS), "qemu did not finish");
        String out = Files.readString(console, StandardCharsets.ISO_8859_1);
        System.out.println(out);
        assertEquals((EXIT_VALUE << 1) | 1, qemu.exitValue(), () -> "qemu: " + qemuLog + "\nconsole:\n" + out);
        assertTrue(out.contains("Command line: console=ttyS0 panic=-1 loglevel=7"), out);
        assertTrue(out.contains("BIOS-e820: [mem 0x000000000009fc00-0x00000000000fffff] reserved"), out);
        assertTrue(out.contains("Brought up 1 node, 2 CPUs"), out);
        assertTrue(out.contains("serial8250: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A"), out);
        assertTrue(out.contains("JVMM-INIT-OK"), out);
    }

    /** /init: print a marker on COM1, then exit QEMU via isa-debug-exit. Needs iopl(3) as root. */
    private byte[] buildInit() throws IOException, InterruptedException {
        StringBuilder s = new StringBuilder("""
                .globl _start
                _start:
                  mov $172, %eax
                  mov $3, %edi
                  syscall
                  mov $0x3f8, %dx
                """);
        for (char c : "JVMM-INIT-OK\n".toCharArray()) {
            s.append("  mov $").append((int) c).append(", %al\n  outb %al, %dx\n");
        }
        s.append("  mov $0x501, %dx\n  mov $").append(EXIT_VALUE).append(", %al\n  outb %al, %dx\n1: jmp 1b\n");
        Path src = Files.writeString(dir.resolve("init.S"), s);
        Path out = dir.resolve("init");
        run("gcc", "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-o", out.toString(), src.toString());
        return Files.readAllBytes(out);
    }

    /** A multiboot (v1) ELF32 that copies the modules to {@code dests} and enters the kernel. */
    private Path buildTrampoline(BootCpuState cpu, List<Long> dests) throws IOException, InterruptedException {
        StringBuilder s = new StringBuilder("""
                .code32
                .text
                .globl _start
                .align 4
                  .long 0x1badb002, 0x1, -(0x1badb002 + 0x1)
                _start:
                  cli
                  cld
                  mov 24(%ebx), %ebp
                """);
        // Copy the low MiB last: the module list itself sits above the trampoline, never below 1 MiB.
        for (int i = dests.size() - 1; i >= 0; i--) {
            s.append("  mov %d(%%ebp), %%esi\n  mov %d(%%ebp), %%ecx\n  sub %%esi, %%ecx\n  mov $0x%x, %%edi\n  rep movsb\n"
                    .formatted(16 * i, 16 * i + 4, dests.get(i)));
        }
        s.append("""
                  lgdt gdtr
                  mov $0x%x, %%eax
                  mov %%eax, %%cr4
                  mov $0x%x, %%eax
                  mov %%eax, %%cr3
                  mov $0xc0000080, %%ecx
                  rdmsr
                  or $0x%x, %%eax
                  wrmsr
                  mov $0x%x, %%eax
                  mov %%eax, %%cr0
                  ljmp $0x%x, $long64
                .code64
                long64:
                  mov $0x%x, %%ax
                  mov %%ax, %%ds
                  mov %%ax, %%es
                  mov %%ax, %%ss
                  mov %%ax, %%fs
                  mov %%ax, %%gs
                  mov $0x%x, %%rsp
                  mov $0x%x, %%rsi
                  mov $0x%x, %%rax
                  pushq $0x%x
                  popfq
                  jmp *%%rax
                .align 8
                gdtr:
                  .word 0x%x
                  .long 0x%x
                """.formatted(cpu.cr4(), cpu.cr3(), cpu.efer() & ~LongModeSetup.EFER_LMA, cpu.cr0(),
                cpu.cs().selector(), cpu.ds().selector(), cpu.rsp(), cpu.rsi(), cpu.rip(), cpu.rflags(),
                cpu.gdt().limit(), cpu.gdt().base()));
        Path src = Files.writeString(dir.resolve("trampoline.S"), s);
        Path obj = dir.resolve("trampoline.o");
        Path elf = dir.resolve("trampoline.elf");
        run("as", "--32", "-o", obj.toString(), src.toString());
        run("ld", "-m", "elf_i386", "-Ttext=0x%x".formatted(TRAMPOLINE), "-e", "_start", "--build-id=none",
                "-o", elf.toString(), obj.toString());
        return elf;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        p.getInputStream().transferTo(log);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + log);
        }
    }

    /** Minimal "newc" cpio writer: one regular file, then the trailer. */
    static final class Cpio {
        private Cpio() {}

        static byte[] newc(String name, byte[] data) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            entry(out, 1, name, 0100755, data);
            entry(out, 2, "TRAILER!!!", 0, new byte[0]);
            return out.toByteArray();
        }

        private static void entry(ByteArrayOutputStream out, int ino, String name, int mode, byte[] data) {
            byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
            String header = "070701" + "%08x".repeat(13).formatted(ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, n.length, 0);
            out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(n);
            pad(out);
            out.writeBytes(data);
            pad(out);
        }

        private static void pad(ByteArrayOutputStream out) {
            while (out.size() % 4 != 0) {
                out.write(0);
            }
        }
    }
}
