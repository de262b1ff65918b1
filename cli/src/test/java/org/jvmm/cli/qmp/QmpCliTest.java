// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.jvmm.cli.Main;
import org.jvmm.vmm.balloon.BalloonControl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvmm balloon} and {@code jvmm status} against the fake VM's QMP server. */
class QmpCliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    private static Run jvmm(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void balloonSetsTheTarget() {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            FakeTarget.FakeBalloon b = new FakeTarget.FakeBalloon(1L << 30);
            qmp.target.balloon = Optional.of(b);
            Run r = jvmm("balloon", qmp.socket.toString(), "512M");
            assertEquals(0, r.code(), r.err());
            assertEquals("balloon target set to 512.0 MiB (536870912 bytes)\n", r.out());
            assertEquals(512L << 20, b.actual);
        }
    }

    @Test
    void aQmpErrorIsExit3InOneLine() {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            Run r = jvmm("balloon", qmp.socket.toString(), "1G");
            assertEquals(3, r.code());
            assertEquals("jvmm: QMP error DeviceNotActive: No balloon device has been activated\n", r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void statusShowsTheStateAndTheBalloon() {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            Run none = jvmm("status", qmp.socket.toString());
            assertEquals(0, none.code(), none.err());
            assertEquals("status:  running\nballoon: none (No balloon device has been activated)\n", none.out());
            FakeTarget.FakeBalloon b = new FakeTarget.FakeBalloon(768L << 20);
            b.report = Optional.of(new BalloonControl.GuestMemoryReport(100L << 20, 600L << 20,
                    System.currentTimeMillis() - 2000));
            qmp.target.balloon = Optional.of(b);
            qmp.target.status = QmpTarget.RunState.SHUTDOWN;
            Run r = jvmm("status", qmp.socket.toString());
            assertEquals(0, r.code(), r.err());
            String[] lines = r.out().split("\n");
            assertEquals("status:  shutdown (not running)", lines[0]);
            assertEquals("balloon: guest memory 768.0 MiB (805306368 bytes)", lines[1]);
            assertTrue(lines[2].matches("guest:   committed 100\\.0 MiB \\(104857600 bytes\\), available 600\\.0 MiB"
                    + " \\(629145600 bytes\\), reported [23]\\.\\d s ago"), lines[2]);
        }
    }

    @Test
    void noServerIsExit1AndBadUsageExit2() {
        Run missing = jvmm("status", dir.resolve("absent.sock").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().startsWith("jvmm: cannot connect to " + dir.resolve("absent.sock")), missing.err());
        assertEquals(1, missing.err().lines().count());
        try (QmpFixture qmp = new QmpFixture(dir)) {
            Run bad = jvmm("balloon", qmp.socket.toString(), "lots");
            assertEquals(2, bad.code());
            assertTrue(bad.err().contains("'lots' is not a size"), bad.err());
            assertEquals(2, jvmm("status").code());
            assertTrue(qmp.target.calls.isEmpty());
        }
    }
}
