// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.boot.KernelImageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * LinuxVm end to end on this host's KVM with tiny kernels ({@link TinyKernel}): boot state,
 * console, input, and each way a VM ends with its exit code.
 */
@Tag("kvm")
class LinuxVmTest {
    private static final long MEMORY = 64L << 20;
    private static final Optional<Duration> LIMIT = Optional.of(Duration.ofSeconds(30));

    @TempDir
    Path dir;

    private LinuxVmExit run(Path kernel, int cpus, String input, ByteArrayOutputStream console) {
        LinuxVmConfig config = LinuxVmConfig.of(kernel, Optional.empty(), MEMORY, cpus);
        try (LinuxVm vm = LinuxVm.create(config, console,
                input == null ? null : new ByteArrayInputStream(input.getBytes(StandardCharsets.US_ASCII)))) {
            return vm.run(LIMIT);
        }
    }

    @Test
    void debugExitPortSetsTheExitCodeAndConsoleOutputArrives() throws Exception {
        Path k = TinyKernel.build(dir, "exit21", "hello from the guest\n", """
                  mov dx, 0x501
                  mov al, 21
                  out dx, al
                  hlt
                """);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        LinuxVmExit exit = run(k, 1, null, console);
        assertEquals(LinuxVmExit.Kind.DEBUG_EXIT, exit.kind());
        assertEquals(43, exit.exitCode());
        assertEquals("hello from the guest\n", console.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void noInstructionRunsAfterTheDebugExitWrite() throws Exception {
        // QEMU's isa-debug-exit ends the process inside the write; here the vCPU must not enter
        // the guest again, so not one 'X' may reach the console.
        Path k = TinyKernel.build(dir, "exit-then-write", "", """
                  mov dx, 0x501
                  mov al, 2
                  out dx, al
                  mov dx, 0x3f8
                  mov al, 'X'
                9: out dx, al
                  jmp 9b
                """);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        LinuxVmExit exit = run(k, 1, null, console);
        assertEquals(LinuxVmExit.Kind.DEBUG_EXIT, exit.kind(), exit.message());
        assertEquals(5, exit.exitCode());
        assertEquals("", console.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void i8042ResetIsACleanExitAndWorksWithTwoCpus() throws Exception {
        Path k = TinyKernel.build(dir, "reset", "", """
                  mov al, 0xfe
                  out 0x64, al
                  hlt
                """);
        LinuxVmExit exit = run(k, 2, null, new ByteArrayOutputStream());
        assertEquals(LinuxVmExit.Kind.RESET, exit.kind());
        assertEquals(0, exit.exitCode());
    }

    @Test
    void unexpectedTripleFaultFails() throws Exception {
        // The boot IDT is empty (limit 0): ud2 -> #GP -> double fault -> triple fault.
        Path k = TinyKernel.build(dir, "ud2", "", "  ud2\n");
        LinuxVmExit exit = run(k, 1, null, new ByteArrayOutputStream());
        assertEquals(LinuxVmExit.Kind.FAILED, exit.kind(), exit.message());
        assertEquals(LinuxVmExit.FAILURE_CODE, exit.exitCode());
        assertTrue(exit.message().contains("triple fault"), exit.message());
        assertTrue(!exit.message().contains("rip="), "registers go to the log, not the user line: " + exit.message());
    }

    @Test
    void tripleFaultAfterTheKernelSaysRestartingIsAReset() throws Exception {
        Path k = TinyKernel.build(dir, "restart", "reboot: Restarting system\r\n", "  ud2\n");
        LinuxVmExit exit = run(k, 1, null, new ByteArrayOutputStream());
        assertEquals(LinuxVmExit.Kind.RESET, exit.kind(), exit.message());
        assertEquals(0, exit.exitCode());
    }

    @Test
    void powerDownLineEndsAHaltedGuest() throws Exception {
        // Interrupts off and HLT: with the in-kernel irqchip the vCPU sleeps in KVM for ever.
        Path k = TinyKernel.build(dir, "poweroff", "reboot: Power down\r\n", "  cli\n9: hlt\n  jmp 9b\n");
        LinuxVmExit exit = run(k, 1, null, new ByteArrayOutputStream());
        assertEquals(LinuxVmExit.Kind.POWER_OFF, exit.kind(), exit.message());
        assertEquals(0, exit.exitCode());
    }

    @Test
    void panicThenResetIsAFailure() throws Exception {
        Path k = TinyKernel.build(dir, "panic", "Kernel panic - not syncing: test\n", """
                  mov al, 0xfe
                  out 0x64, al
                  hlt
                """);
        LinuxVmExit exit = run(k, 1, null, new ByteArrayOutputStream());
        assertEquals(LinuxVmExit.Kind.PANIC, exit.kind(), exit.message());
        assertEquals(LinuxVmExit.PANIC_CODE, exit.exitCode());
    }

    @Test
    void timeoutStopsAGuestThatNeverEnds() throws Exception {
        Path k = TinyKernel.build(dir, "spin", "", "9: jmp 9b\n");
        LinuxVmConfig config = LinuxVmConfig.of(k, Optional.empty(), MEMORY, 1);
        try (LinuxVm vm = LinuxVm.create(config, new ByteArrayOutputStream(), null)) {
            long t0 = System.nanoTime();
            LinuxVmExit exit = vm.run(Optional.of(Duration.ofMillis(300)));
            assertEquals(LinuxVmExit.Kind.TIMEOUT, exit.kind());
            assertEquals(124, exit.exitCode());
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
        }
    }

    @Test
    void quitFromAnotherThreadEndsTheVmWithCode130() throws Exception {
        Path k = TinyKernel.build(dir, "spin-quit", "", "9: jmp 9b\n");
        LinuxVmConfig config = LinuxVmConfig.of(k, Optional.empty(), MEMORY, 1);
        try (LinuxVm vm = LinuxVm.create(config, new ByteArrayOutputStream(), null)) {
            Thread.ofPlatform().daemon(true).start(() -> {
                sleepQuietly(200);
                vm.quit("test key");
            });
            LinuxVmExit exit = vm.run(Optional.of(Duration.ofSeconds(30)));
            assertEquals(LinuxVmExit.Kind.QUIT, exit.kind(), exit.message());
            assertEquals(LinuxVmExit.QUIT_CODE, exit.exitCode());
            assertEquals("stopped by the user (test key)", exit.message());
        }
    }

    @Test
    void monitorQuitEndsTheVmWithCode0AndTheStateFollows() throws Exception {
        Path k = TinyKernel.build(dir, "spin-monitor-quit", "", "9: jmp 9b\n");
        LinuxVmConfig config = LinuxVmConfig.of(k, Optional.empty(), MEMORY, 1);
        try (LinuxVm vm = LinuxVm.create(config, new ByteArrayOutputStream(), null)) {
            assertEquals(LinuxVm.State.CREATED, vm.state());
            Thread.ofPlatform().daemon(true).start(() -> {
                sleepQuietly(200);
                assertEquals(LinuxVm.State.RUNNING, vm.state());
                vm.monitorQuit("QMP quit");
            });
            LinuxVmExit exit = vm.run(Optional.of(Duration.ofSeconds(30)));
            assertEquals(LinuxVmExit.Kind.MONITOR_QUIT, exit.kind(), exit.message());
            assertEquals(0, exit.exitCode());
            assertEquals("stopped by a monitor command (QMP quit)", exit.message());
            assertEquals(LinuxVm.State.ENDED, vm.state());
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void inputLargerThanTheFifoReachesTheGuestInOrder() throws Exception {
        // Echo bytes until '.', then exit through the debug port with the byte count (mod 128).
        Path k = TinyKernel.build(dir, "echo", "", """
                  xor ecx, ecx
                2: call getc
                  mov bl, al
                  call putc
                  inc ecx
                  cmp bl, 0x2e
                  jne 2b
                  mov al, cl
                  and al, 0x7f
                  mov dx, 0x501
                  out dx, al
                  hlt
                """);
        String text = "the quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps.";
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        LinuxVmExit exit = run(k, 1, text + "ignored after the dot", console);
        assertEquals(text, console.toString(StandardCharsets.US_ASCII));
        assertEquals(((text.length() & 0x7f) << 1) | 1, exit.exitCode());
    }

    @Test
    void endOfInputDoesNotStopTheVm() throws Exception {
        Path k = TinyKernel.build(dir, "late", "", """
                  call getc
                  mov dx, 0x501
                  out dx, al
                  hlt
                """);
        PipedOutputStream host = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(host);
        LinuxVmConfig config = LinuxVmConfig.of(k, Optional.empty(), MEMORY, 1);
        try (LinuxVm vm = LinuxVm.create(config, new ByteArrayOutputStream(), in)) {
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(200);
                    host.write(5);
                    host.close();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            LinuxVmExit exit = vm.run(LIMIT);
            writer.join();
            assertEquals(11, exit.exitCode());
        }
    }

    @Test
    void bootStateReachesVcpuZero() throws Exception {
        Path k = TinyKernel.build(dir, "state", "", "  hlt\n");
        LinuxVmConfig config = LinuxVmConfig.of(k, Optional.empty(), MEMORY, 2);
        try (LinuxVm vm = LinuxVm.create(config, new ByteArrayOutputStream(), null)) {
            var regs = vm.machine().vcpu(0).getRegs();
            assertEquals(vm.boot().cpu().rip(), regs.rip());
            assertEquals(vm.boot().cpu().rsi(), regs.rsi());
            var sregs = vm.machine().vcpu(0).getSregs();
            assertEquals(vm.boot().cpu().cr3(), sregs.cr3());
            assertEquals(1, sregs.cs().l());
            for (int i = 0; i < 2; i++) {
                byte[] lapic = vm.machine().vcpu(i).getLapic();
                assertEquals(PcPlatform.DELIVERY_EXTINT, lvt(lapic, PcPlatform.APIC_LVT_LINT0) & PcPlatform.DELIVERY_MODE_MASK);
                assertEquals(PcPlatform.DELIVERY_NMI, lvt(lapic, PcPlatform.APIC_LVT_LINT1) & PcPlatform.DELIVERY_MODE_MASK);
                assertEquals(PcPlatform.MTRR_ENABLE_WRITE_BACK,
                        vm.machine().vcpu(i).getMsrs(PcPlatform.MSR_MTRR_DEF_TYPE).getFirst().data());
                var leaf1 = vm.machine().vcpu(i).getCpuid2().stream()
                        .filter(e -> e.function() == 1).findFirst().orElseThrow();
                assertEquals(i, leaf1.ebx() >>> 24);
                assertTrue(leaf1.ecx() < 0, "hypervisor bit (leaf 1 ECX[31]) set");
            }
        }
    }

    private static int lvt(byte[] lapic, int reg) {
        return (lapic[reg] & 0xff) | (lapic[reg + 1] & 0xff) << 8 | (lapic[reg + 2] & 0xff) << 16 | (lapic[reg + 3] & 0xff) << 24;
    }

    @Test
    void corruptKernelIsAOneLineErrorNamingTheFile() throws Exception {
        Path bad = Files.write(dir.resolve("not-a-kernel"), "just some text, no kernel here\n".repeat(40).getBytes());
        KernelImageException e = assertThrows(KernelImageException.class,
                () -> LinuxVm.create(LinuxVmConfig.of(bad, Optional.empty(), MEMORY, 1), new ByteArrayOutputStream(), null));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void badSettingsAreRefusedBeforeAnythingIsBuilt() throws Exception {
        Path k = TinyKernel.build(dir, "ok", "", "  hlt\n");
        assertThrows(LinuxVmConfigException.class,
                () -> LinuxVm.create(LinuxVmConfig.of(dir.resolve("missing"), Optional.empty(), MEMORY, 1), null, null));
        assertThrows(LinuxVmConfigException.class,
                () -> LinuxVm.create(LinuxVmConfig.of(k, Optional.of(dir.resolve("nope")), MEMORY, 1), null, null));
        VmmException cpus = assertThrows(LinuxVmConfigException.class,
                () -> LinuxVm.create(LinuxVmConfig.of(k, Optional.empty(), MEMORY, 100_000), null, null));
        assertTrue(cpus.getMessage().contains("100000"), cpus.getMessage());
        assertThrows(LinuxVmConfigException.class,
                () -> LinuxVm.create(LinuxVmConfig.of(k, Optional.empty(), MEMORY, 0), null, null));
        assertThrows(LinuxVmConfigException.class,
                () -> LinuxVm.create(LinuxVmConfig.of(k, Optional.empty(), 1L << 50, 1), null, null));
    }

    @Test
    void initrdTooLargeForRamNamesTheInitrd() throws Exception {
        Path k = TinyKernel.build(dir, "ok2", "", "  hlt\n");
        Path big = dir.resolve("big.cpio");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(MEMORY); // sparse: as large as all of RAM
        }
        KernelImageException e = assertThrows(KernelImageException.class,
                () -> LinuxVm.create(LinuxVmConfig.of(k, Optional.of(big), MEMORY, 1), new ByteArrayOutputStream(), null));
        assertTrue(e.getMessage().startsWith(big.toString()), e.getMessage());
    }
}
