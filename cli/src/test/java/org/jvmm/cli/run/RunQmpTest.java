// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jvmm.cli.Main;
import org.jvmm.cli.qmp.QmpClient;
import org.jvmm.cli.qmp.QmpError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvmm run --qmp} end to end on a tiny kernel that says "ready" and spins. */
@Tag("kvm")
class RunQmpTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static Path kernel;

    @BeforeAll
    static void buildKernel() throws Exception {
        String src = """
                .intel_syntax noprefix
                .code64
                .globl _start
                .text
                _start:
                  lea rsi, [rip + msg]
                  mov dx, 0x3f8
                1: mov al, [rsi]
                  test al, al
                  jz 2f
                  out dx, al
                  inc rsi
                  jmp 1b
                2: jmp 2b
                msg: .asciz "ready\\n"
                """;
        Path s = Files.writeString(dir.resolve("k.S"), src);
        Path ld = Files.writeString(dir.resolve("k.ld"),
                "ENTRY(_start) SECTIONS { . = 0x200000; .text : { *(.text) } /DISCARD/ : { *(.note*) *(.eh_frame*) } }");
        kernel = dir.resolve("k.elf");
        Process p = new ProcessBuilder(List.of("gcc", "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none",
                "-Wl,-T," + ld, "-o", kernel.toString(), s.toString())).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc: " + log);
    }

    @Test
    void statusCommandsAndQuitOnARunningVm() throws Exception {
        Path sock = dir.resolve("vm.sock");
        try (JvmmProcess vm = JvmmProcess.start("run", "--kernel", kernel.toString(), "--memory", "64M",
                "--qmp", sock.toString(), "--timeout", "50s")) {
            vm.awaitStdout("ready", LIMIT);
            try (QmpClient qmp = QmpClient.connect(sock, Duration.ofSeconds(10))) {
                assertTrue(qmp.greeting().at("/QMP/version/package").asText().startsWith("jvmm "), qmp.greeting().toString());
                qmp.execute("qmp_capabilities");
                assertEquals("running", qmp.execute("query-status").path("status").asText());
                QmpError noBus = assertThrows(QmpError.class, () -> qmp.execute("system_powerdown"));
                assertTrue(noBus.desc().contains("--vmbus"), noBus.desc());
                assertEquals("DeviceNotActive", assertThrows(QmpError.class, () -> qmp.execute("query-balloon")).errorClass());

                StringWriter out = new StringWriter();
                assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "status", sock.toString()));
                assertEquals("status:  running\nballoon: none (No balloon device has been activated)\n", out.toString());

                assertEquals("{}", qmp.execute("quit").toString());
                JsonNode shutdown = qmp.nextEvent();
                assertEquals("SHUTDOWN", shutdown.path("event").asText());
                assertEquals("{\"guest\":false,\"reason\":\"host-qmp-quit\"}", shutdown.path("data").toString());
            }
            assertEquals(0, vm.waitFor(LIMIT), vm.stderr());
            assertTrue(vm.stderr().contains("jvmm: stopped by a monitor command (QMP quit)"), vm.stderr());
            assertFalse(Files.exists(sock), "the socket is removed on exit");
        }
    }

    @Test
    void theGuestEndingItselfIsAShutdownEventWithItsReason() throws Exception {
        Path sock = dir.resolve("t.sock");
        try (JvmmProcess vm = JvmmProcess.start("run", "--kernel", kernel.toString(), "--memory", "64M",
                "--qmp", sock.toString(), "--timeout", "3s")) {
            vm.awaitStdout("ready", LIMIT);
            try (QmpClient qmp = QmpClient.connect(sock, Duration.ofSeconds(20))) {
                qmp.execute("qmp_capabilities");
                JsonNode shutdown = qmp.nextEvent(); // the timeout ends it
                assertEquals("{\"guest\":false,\"reason\":\"host-signal\"}", shutdown.path("data").toString());
            }
            assertEquals(124, vm.waitFor(LIMIT), vm.stderr());
        }
    }

    @Test
    void sigtermStillTellsTheClientsAndRemovesTheSocket() throws Exception {
        Path sock = dir.resolve("s.sock");
        try (JvmmProcess vm = JvmmProcess.start("run", "--kernel", kernel.toString(), "--memory", "64M",
                "--qmp", sock.toString(), "--timeout", "50s")) {
            vm.awaitStdout("ready", LIMIT);
            try (QmpClient qmp = QmpClient.connect(sock, Duration.ofSeconds(20))) {
                qmp.execute("qmp_capabilities");
                vm.terminate();
                JsonNode shutdown = qmp.nextEvent();
                assertEquals("{\"guest\":false,\"reason\":\"host-signal\"}", shutdown.path("data").toString());
            }
            assertEquals(143, vm.waitFor(LIMIT), vm.stderr());
            assertFalse(Files.exists(sock), "the socket is removed on SIGTERM too");
        }
    }
}
