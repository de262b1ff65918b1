// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.jvmm.cli.Main;
import org.jvmm.cli.qmp.QmpEvent;
import org.jvmm.vmm.linux.LinuxVmExit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvmm run --qmp} without KVM: the socket's problems come first, and the SHUTDOWN reasons. */
class RunQmpOptionsTest {
    @TempDir
    Path dir;

    @Test
    void aSocketInAMissingDirectoryIsOneLineExit1BeforeTheVmStarts() throws Exception {
        Path kernel = Files.write(dir.resolve("k"), new byte[4096]); // never loaded: the socket fails first
        Path sock = dir.resolve("missing/vm.sock");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "run", "--kernel", kernel.toString(),
                "--qmp", sock.toString());
        assertEquals(1, code, err.toString());
        assertEquals("jvmm: QMP socket " + sock + ": directory " + sock.getParent() + " does not exist\n", err.toString());
    }

    @Test
    void everyEndingHasQemusShutdownCause() {
        Set<LinuxVmExit.Kind> guestKinds = EnumSet.of(LinuxVmExit.Kind.RESET, LinuxVmExit.Kind.POWER_OFF,
                LinuxVmExit.Kind.DEBUG_EXIT, LinuxVmExit.Kind.PANIC);
        for (LinuxVmExit.Kind kind : LinuxVmExit.Kind.values()) {
            QmpEvent e = VmQmpTarget.shutdownEvent(new LinuxVmExit(kind, 0, "x"));
            assertEquals("SHUTDOWN", e.name());
            assertEquals(guestKinds.contains(kind), e.data().orElseThrow().get("guest").booleanValue(), kind.name());
        }
        assertEquals("host-qmp-quit", reason(LinuxVmExit.monitorQuit("QMP quit")));
        assertEquals("host-ui", reason(LinuxVmExit.quit("Ctrl-A x")));
        assertEquals("host-signal", reason(LinuxVmExit.terminated("SIGTERM")));
        assertEquals("guest-shutdown", reason(LinuxVmExit.powerOff("ACPI S5")));
        assertEquals("guest-reset", reason(LinuxVmExit.reset("i8042")));
        assertEquals("guest-panic", reason(LinuxVmExit.panic()));
        assertEquals("host-error", reason(LinuxVmExit.failed("x")));
    }

    private static String reason(LinuxVmExit exit) {
        return VmQmpTarget.shutdownEvent(exit).data().orElseThrow().get("reason").textValue();
    }
}
