// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jvmm's texts against QEMU's, read from QEMU's sources (each assertion cites where). Clients
 * such as libvirt and qemu.qmp compare some of these strings, so they must not drift.
 */
class QemuTextsTest {
    @TempDir
    Path dir;

    private static JsonNode error(QmpClient c, String request) {
        c.sendRaw(request);
        return c.next().path("error");
    }

    private static void assertError(String errorClass, String desc, JsonNode error) {
        assertEquals(errorClass, error.path("class").asText());
        assertEquals(desc, error.path("desc").asText());
    }

    @Test
    void greetingAndErrorsSayWhatQemuSays() {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            QmpClient c = qmp.connect();
            // monitor/qmp.c, qmp_greeting(): {'QMP': {'version': <query-version>, 'capabilities': [...]}};
            // monitor/qmp-cmds-control.c, qmp_query_version(): qemu {major, minor, micro} and package.
            JsonNode greeting = c.greeting().path("QMP");
            assertEquals(2, greeting.size());
            assertEquals(7, greeting.path("version").path("qemu").path("major").asInt());
            assertEquals("oob", greeting.path("capabilities").path(0).asText());
            // monitor/qmp.c, monitor_qmp_dispatch(): the CommandNotFound text in negotiation mode
            assertError("CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'",
                    error(c, "{\"execute\": \"query-status\"}"));
            // qapi/qmp-dispatch.c, qmp_dispatch_check_obj()
            assertError("GenericError", "QMP input must be a JSON object", error(c, "[]"));
            assertError("GenericError", "QMP input lacks member 'execute'", error(c, "{}"));
            assertError("GenericError", "QMP input member 'execute' must be a string", error(c, "{\"execute\": {}}"));
            assertError("GenericError", "QMP input member 'arguments' must be an object",
                    error(c, "{\"execute\": \"q\", \"arguments\": 1}"));
            assertError("GenericError", "QMP input member 'z' is unexpected", error(c, "{\"execute\": \"q\", \"z\": 1}"));
            c.execute("qmp_capabilities");
            // monitor/qmp-cmds-control.c, qmp_qmp_capabilities()
            assertError("CommandNotFound", "Capabilities negotiation is already complete, command ignored",
                    error(c, "{\"execute\": \"qmp_capabilities\"}"));
            // qapi/qmp-dispatch.c, do_qmp_dispatch()
            assertError("CommandNotFound", "The command nope has not been found", error(c, "{\"execute\": \"nope\"}"));
            // include/qapi/qmp/qerror.h QERR_MISSING_PARAMETER and QERR_INVALID_PARAMETER_TYPE;
            // qapi/qobject-input-visitor.c, check_struct(): "Parameter '%s' is unexpected"
            assertError("GenericError", "Parameter 'value' is missing", error(c, "{\"execute\": \"balloon\"}"));
            assertError("GenericError", "Invalid parameter type for 'value', expected: integer",
                    error(c, "{\"execute\": \"balloon\", \"arguments\": {\"value\": \"1G\"}}"));
            assertError("GenericError", "Parameter 'x' is unexpected",
                    error(c, "{\"execute\": \"query-status\", \"arguments\": {\"x\": 1}}"));
            // softmmu/balloon.c, have_balloon()
            assertError("DeviceNotActive", "No balloon device has been activated",
                    error(c, "{\"execute\": \"balloon\", \"arguments\": {\"value\": 1}}"));
            // softmmu/balloon.c, qmp_balloon(): QERR_INVALID_PARAMETER_VALUE "Parameter '%s' expects %s"
            qmp.target.balloon = Optional.of(new FakeTarget.FakeBalloon(1 << 30));
            assertError("GenericError", "Parameter 'target' expects a size",
                    error(c, "{\"execute\": \"balloon\", \"arguments\": {\"value\": 0}}"));
            // qobject/json-parser.c, parse_error(): "JSON parse error, %s"
            assertEquals("JSON parse error, ", error(c, "{\"execute\": ]").path("desc").asText().substring(0, 18));
        }
    }
}
