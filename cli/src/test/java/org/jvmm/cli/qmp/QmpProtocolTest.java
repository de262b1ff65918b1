// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jvmm.vmm.balloon.BalloonControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protocol and every command, over a real UNIX socket, against a fake VM. */
class QmpProtocolTest {
    @TempDir
    Path dir;
    QmpFixture qmp;

    @BeforeEach
    void start() {
        qmp = new QmpFixture(dir);
    }

    @AfterEach
    void stop() {
        qmp.close();
    }

    /** Sends one raw line and returns the one line that answers it. */
    private static String ask(QmpClient c, String request) {
        c.sendRaw(request + "\n");
        return c.nextLine();
    }

    @Test
    void greetingHasQemusShapeAndSpacing() {
        QmpClient c = qmp.raw();
        assertEquals("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7},"
                + " \"package\": \"jvmm test\"}, \"capabilities\": [\"oob\"]}}", c.nextLine());
    }

    @Test
    void everyCommandButQmpCapabilitiesWaitsForNegotiation() {
        QmpClient c = qmp.connect();
        String expecting = "{\"error\": {\"class\": \"CommandNotFound\", \"desc\":"
                + " \"Expecting capabilities negotiation with 'qmp_capabilities'\"}}";
        assertEquals(expecting, ask(c, "{\"execute\": \"query-status\"}"));
        assertEquals(expecting, ask(c, "{\"execute\": \"no-such-command\"}"));
        assertEquals(expecting, ask(c, "{\"execute\": \"quit\"}"));
        assertTrue(qmp.target.calls.isEmpty(), "nothing ran before negotiation");
        assertEquals("{\"return\": {}}", ask(c, "{\"execute\": \"qmp_capabilities\"}"));
        assertEquals("{\"error\": {\"class\": \"CommandNotFound\", \"desc\":"
                + " \"Capabilities negotiation is already complete, command ignored\"}}",
                ask(c, "{\"execute\": \"qmp_capabilities\"}"));
        assertEquals("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command no-such-command has not been found\"}}",
                ask(c, "{\"execute\": \"no-such-command\"}"));
    }

    @Test
    void idIsEchoedExactlyWhateverItsType() {
        QmpClient c = qmp.connect();
        assertEquals("{\"return\": {}, \"id\": 42}", ask(c, "{\"execute\": \"qmp_capabilities\", \"id\": 42}"));
        assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": \"a b\"}",
                ask(c, "{\"id\": \"a b\", \"execute\": \"query-status\"}"));
        assertEquals("{\"return\": {}, \"id\": {\"x\": [1, 2.5, null, true]}}",
                ask(c, "{\"execute\": \"system_powerdown\", \"id\": {\"x\": [1, 2.5, null, true]}}"));
        assertEquals("POWERDOWN", c.next().path("event").asText());
        assertEquals("{\"id\": [\"e\"], \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been found\"}}",
                ask(c, "{\"execute\": \"x\", \"id\": [\"e\"]}"));
        assertEquals("{\"id\": -1, \"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}}",
                ask(c, "{\"id\": -1}"));
    }

    @Test
    void queryStatusFollowsTheVm() {
        QmpClient c = qmp.negotiated();
        assertEquals("running", c.execute("query-status").path("status").asText());
        qmp.target.status = QmpTarget.RunState.SHUTDOWN;
        JsonNode r = c.execute("query-status");
        assertEquals("shutdown", r.path("status").asText());
        assertFalse(r.path("running").asBoolean(true));
        qmp.target.status = QmpTarget.RunState.PRELAUNCH;
        assertEquals("prelaunch", c.execute("query-status").path("status").asText());
    }

    @Test
    void queryVersionAndQueryCommands() {
        QmpClient c = qmp.negotiated();
        assertEquals("{\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"jvmm test\"}",
                QmpJson.line(c.execute("query-version")));
        List<String> names = new ArrayList<>();
        c.execute("query-commands").forEach(n -> names.add(n.path("name").asText()));
        assertEquals(List.of("qmp_capabilities", "query-status", "query-version", "query-commands", "balloon",
                "query-balloon", "system_powerdown", "device_del", "quit"), names);
    }

    @Test
    void balloonWithoutADeviceIsDeviceNotActive() {
        QmpClient c = qmp.negotiated();
        String none = "{\"error\": {\"class\": \"DeviceNotActive\", \"desc\": \"No balloon device has been activated\"}}";
        assertEquals(none, ask(c, "{\"execute\": \"balloon\", \"arguments\": {\"value\": 536870912}}"));
        assertEquals(none, ask(c, "{\"execute\": \"query-balloon\"}"));
        // QEMU looks for the device before it looks at the value
        assertEquals(none, ask(c, "{\"execute\": \"balloon\", \"arguments\": {\"value\": 0}}"));
    }

    @Test
    void balloonSetsTheTargetAndAnnouncesTheChange() {
        FakeTarget.FakeBalloon b = new FakeTarget.FakeBalloon(1L << 30);
        qmp.target.balloon = Optional.of(b);
        b.onChange(actual -> qmp.server.emit(QmpEvent.balloonChange(actual)));
        QmpClient c = qmp.negotiated();
        assertEquals("{\"actual\": 1073741824}", QmpJson.line(c.execute("query-balloon")));
        assertEquals("{}", QmpJson.line(c.execute("balloon", QmpJson.object().put("value", 512L << 20))));
        assertEquals(512L << 20, b.actual);
        JsonNode event = c.nextEvent();
        assertEquals("BALLOON_CHANGE", event.path("event").asText());
        assertEquals(512L << 20, event.path("data").path("actual").asLong());
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'target' expects a size\"}}",
                ask(c, "{\"execute\": \"balloon\", \"arguments\": {\"value\": -4096}}"));
        b.ready = false;
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"the guest's balloon driver is not ready yet\"}}",
                ask(c, "{\"execute\": \"balloon\", \"arguments\": {\"value\": 1073741824}}"));
        assertEquals(512L << 20, b.actual);
    }

    @Test
    void queryBalloonCarriesTheGuestsLastReportInJvmmsOwnMember() {
        FakeTarget.FakeBalloon b = new FakeTarget.FakeBalloon(1L << 30);
        b.report = Optional.of(new BalloonControl.GuestMemoryReport(300L << 20, 600L << 20, 1_700_000_000_123L));
        qmp.target.balloon = Optional.of(b);
        assertEquals("{\"actual\": 1073741824, \"__org.jvmm_last-report\": {\"committed\": 314572800,"
                + " \"available\": 629145600, \"received\": {\"seconds\": 1700000000, \"microseconds\": 123000}}}",
                QmpJson.line(qmp.negotiated().execute("query-balloon")));
    }

    @Test
    void argumentsAreCheckedAsQemusVisitorsCheckThem() {
        qmp.target.balloon = Optional.of(new FakeTarget.FakeBalloon(1L << 30));
        QmpClient c = qmp.negotiated();
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'value' is missing\"}}",
                ask(c, "{\"execute\": \"balloon\"}"));
        for (String bad : List.of("\"1G\"", "1.5", "true", "null", "18446744073709551616", "{}")) {
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for 'value', expected: integer\"}}",
                    ask(c, "{\"execute\": \"balloon\", \"arguments\": {\"value\": " + bad + "}}"), bad);
        }
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'x' is unexpected\"}}",
                ask(c, "{\"execute\": \"balloon\", \"arguments\": {\"value\": 4096, \"x\": 1}}"));
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'force' is unexpected\"}}",
                ask(c, "{\"execute\": \"quit\", \"arguments\": {\"force\": true}}"));
        assertTrue(qmp.target.calls.isEmpty(), "no command ran with bad arguments");
    }

    @Test
    void requestsOfTheWrongShapeGetQemusWords() {
        QmpClient c = qmp.negotiated();
        String notObject = "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}";
        assertEquals(notObject, ask(c, "[\"execute\", \"quit\"]"));
        assertEquals(notObject, ask(c, "3"));
        assertEquals(notObject, ask(c, "\"quit\""));
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'execute' must be a string\"}}",
                ask(c, "{\"execute\": 1}"));
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'arguments' must be an object\"}}",
                ask(c, "{\"execute\": \"quit\", \"arguments\": []}"));
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'bogus' is unexpected\"}}",
                ask(c, "{\"execute\": \"quit\", \"bogus\": 1}"));
        // exec-oob is only a member once the client asked for OOB
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'exec-oob' is unexpected\"}}",
                ask(c, "{\"exec-oob\": \"query-status\"}"));
        assertTrue(qmp.target.calls.isEmpty());
    }

    @Test
    void oobCanBeNegotiatedButNoCommandRunsOutOfBand() {
        QmpClient c = qmp.connect();
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'enable[0]' does not accept value 'x'\"}}",
                ask(c, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"x\"]}}"));
        assertEquals("{\"return\": {}}", ask(c, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}"));
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"The command query-status does not support OOB\"}}",
                ask(c, "{\"exec-oob\": \"query-status\"}"));
        assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'exec-oob' clashes with 'execute'\"}}",
                ask(c, "{\"execute\": \"query-status\", \"exec-oob\": \"query-status\"}"));
    }

    @Test
    void powerdownAsksTheTargetAndAnnouncesIt() {
        QmpClient c = qmp.negotiated();
        assertEquals("{}", QmpJson.line(c.execute("system_powerdown")));
        assertEquals(List.of("powerdown"), qmp.target.calls);
        assertTrue(c.events().isEmpty(), "the event follows the reply");
        JsonNode event = c.next();
        assertEquals("POWERDOWN", event.path("event").asText());
        assertFalse(event.has("data"), "QEMU sends POWERDOWN without data");
        qmp.target.powerdownWorks = false;
        QmpError e = assertThrows(QmpError.class, () -> c.execute("system_powerdown"));
        assertEquals("the guest's shutdown service is not running", e.desc());
        c.execute("query-status");
        assertTrue(c.events().isEmpty(), "a refused powerdown sends no event: " + c.events());
    }

    @Test
    void quitAsksTheTargetToStop() {
        assertEquals("{}", QmpJson.line(qmp.negotiated().execute("quit")));
        assertEquals(List.of("quit"), qmp.target.calls);
    }

    @Test
    void eventsReachEveryNegotiatedClientAndNoOtherWithQemusStamp() throws Exception {
        QmpClient a = qmp.negotiated();
        QmpClient b = qmp.negotiated();
        QmpClient waiting = qmp.connect();
        qmp.awaitClients(3);
        long before = System.currentTimeMillis() / 1000;
        qmp.server.emit(QmpEvent.shutdown(false, "host-qmp-quit"));
        for (QmpClient c : List.of(a, b)) {
            String line = c.nextLine();
            assertTrue(line.matches("\\{\"timestamp\": \\{\"seconds\": \\d+, \"microseconds\": \\d+},"
                    + " \"event\": \"SHUTDOWN\", \"data\": \\{\"guest\": false, \"reason\": \"host-qmp-quit\"}}"), line);
            JsonNode ts = QmpJson.parse(line).path("timestamp");
            assertTrue(ts.path("seconds").asLong() >= before && ts.path("seconds").asLong() <= before + 5, line);
            assertTrue(ts.path("microseconds").asLong() < 1_000_000, line);
        }
        // the client still negotiating gets the reply to its next command and nothing before it
        assertEquals("{\"return\": {}}", ask(waiting, "{\"execute\": \"qmp_capabilities\"}"));
    }

    @Test
    void singleQuotedStringsAreAcceptedAsQemuAcceptsThem() {
        QmpClient c = qmp.connect();
        assertEquals("{\"return\": {}, \"id\": \"q\"}", ask(c, "{'execute': 'qmp_capabilities', 'id': 'q'}"));
    }
}
