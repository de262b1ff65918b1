// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jvmm's QMP against QEMU 7.2's, live: the same bytes go to a {@code qemu-system-x86_64 -machine
 * none} (no KVM needed, no guest; scripts/test installs QEMU where it is missing) and to jvmm's
 * server over a VM-less target, and the replies must be the same, error class and text included,
 * {@code id} echoed whatever its JSON type. Values that are each program's own (the version
 * numbers and package string) are compared by shape: the same members of the same JSON types.
 *
 * <p>Where jvmm answers differently on purpose, the input is not here but in README's QMP
 * section, with the reason: oversized input (QEMU takes up to 64 MiB a token, 2M tokens and
 * nesting 1024 and then re-parses what follows; jvmm refuses a message over 1 MiB and closes the
 * connection), system_powerdown (QEMU presses an ACPI button even with no guest), and
 * qmp_capabilities with an unknown capability, where QEMU 7.2 names the parameter {@code 'null'}.
 */
class QemuQmpConformanceTest {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    Process qemu;
    QmpFixture jvmm;
    QmpClient toQemu;
    QmpClient toJvmm;

    @BeforeEach
    void start() throws Exception {
        Path sock = dir.resolve("qemu.sock");
        try {
            qemu = new ProcessBuilder("qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none",
                    "-qmp", "unix:" + sock + ",server=on,wait=off")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("this test needs QEMU 7.2's qemu-system-x86_64 on PATH (Debian's qemu-system-x86;"
                    + " scripts/test installs it): " + e.getMessage());
        }
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.exists(sock)) {
            if (!qemu.isAlive() || System.nanoTime() > end) {
                throw new AssertionError("QEMU did not open its QMP socket: " + Files.readString(dir.resolve("qemu.log")));
            }
            Thread.sleep(20);
        }
        toQemu = QmpClient.connect(sock, TIMEOUT);
        jvmm = new QmpFixture(dir);
        toJvmm = jvmm.connect();
    }

    @AfterEach
    void stop() throws Exception {
        if (toQemu != null) {
            toQemu.close();
        }
        if (jvmm != null) {
            jvmm.close();
        }
        if (qemu != null) {
            qemu.destroy();
            qemu.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Sends {@code raw} to both and reads one reply from each. */
    List<JsonNode> both(String raw) {
        toQemu.sendRaw(raw);
        toJvmm.sendRaw(raw);
        return List.of(toQemu.next(), toJvmm.next());
    }

    void same(String raw) {
        List<JsonNode> r = both(raw);
        assertEquals(r.get(0), r.get(1), "for " + raw.strip() + "\n  QEMU: " + r.get(0) + "\n  jvmm: " + r.get(1));
    }

    void sameShape(String raw) {
        List<JsonNode> r = both(raw);
        assertEquals(shape(r.get(0)), shape(r.get(1)), "for " + raw.strip() + "\n  QEMU: " + r.get(0)
                + "\n  jvmm: " + r.get(1));
    }

    /** Member names and JSON types, recursively; array elements by the first one's shape. */
    static String shape(JsonNode n) {
        if (n.isObject()) {
            TreeSet<String> members = new TreeSet<>();
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                members.add(k + ":" + shape(n.get(k)));
            }
            return "{" + String.join(",", members) + "}";
        }
        if (n.isArray()) {
            return "[" + (n.isEmpty() ? "" : shape(n.get(0))) + "]";
        }
        return n.getNodeType().name();
    }

    @Test
    void theGreetingHasQemusMembersAndCapabilities() {
        assertEquals(shape(toQemu.greeting()), shape(toJvmm.greeting()));
        assertEquals(toQemu.greeting().path("QMP").path("capabilities"), toJvmm.greeting().path("QMP").path("capabilities"));
    }

    @Test
    void negotiationCommandsAndArgumentsAnswerAsQemuDoes() {
        List<String> before = List.of(
                "{\"execute\": \"query-status\"}\n",
                "{\"execute\": \"nope\", \"id\": 1}\n",
                "[]\n",
                "{}\n",
                "{\"execute\": {}}\n",
                "{\"execute\": \"query-status\", \"control\": {}}\n");
        before.forEach(this::same);
        same("{\"execute\": \"qmp_capabilities\", \"id\": {\"a\": [1, null]}}\n");
        List<String> after = new ArrayList<>(List.of(
                "{\"execute\": \"qmp_capabilities\"}\n",
                "{\"execute\": \"query-status\", \"id\": 5}\n",
                "{\"execute\": \"nope\", \"id\": [1, 2]}\n",
                "{\"execute\": \"query-status\", \"arguments\": {\"x\": 1}, \"id\": 1.5}\n",
                "{\"execute\": \"balloon\", \"id\": true}\n",
                "{\"execute\": \"balloon\", \"id\": \"s\", \"arguments\": {\"value\": \"1G\"}}\n",
                "{\"execute\": \"balloon\", \"arguments\": {\"value\": 1073741824}}\n",
                "{\"execute\": \"balloon\", \"arguments\": {\"value\": -1}}\n",
                "{\"execute\": \"balloon\", \"arguments\": {\"value\": 1.5}}\n",
                "{\"execute\": \"balloon\", \"arguments\": {\"value\": 99999999999999999999}}\n",
                "{\"execute\": \"balloon\", \"arguments\": {\"value\": 1, \"x\": 2}}\n",
                "{\"execute\": \"query-balloon\", \"id\": -3}\n",
                "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"heartbeat\"}}\n",
                "{\"execute\": \"device_del\", \"arguments\": {\"id\": 3}}\n",
                "{\"execute\": \"device_del\"}\n",
                "{\"execute\": \"query-status\", \"arguments\": []}\n",
                "\"str\"\n",
                "42\n",
                "{\"exec\\u0000ute\": 1}\n"));
        after.forEach(this::same);
        // Malformed JSON: the same class and QEMU's "JSON parse error, " prefix; the reason after it
        // is each parser's own (QEMU's "expecting value", Jackson's sentence naming the character).
        for (String bad : List.of("{\"execute\": \"x\",,}\n", "garbage\n", "]\n", "{\"a\" 1}\n")) {
            List<JsonNode> r = both(bad);
            for (JsonNode reply : r) {
                assertEquals("GenericError", reply.path("error").path("class").asText(), bad + ": " + r);
                assertTrue(reply.path("error").path("desc").asText().startsWith("JSON parse error, "), bad + ": " + r);
                assertEquals(1, reply.size(), "no id can be read from malformed input: " + r);
            }
        }
        same("{\"execute\": \"query-status\", \"id\": \"still answering\"}\n");
    }

    @Test
    void messagesSplitAcrossWritesOrSharingOneAreEachAnswered() {
        same("{\"execute\": \"qmp_capabilities\"}\n");
        toQemu.sendRaw("{\"execute\": ");
        toJvmm.sendRaw("{\"execute\": ");
        same(" \"query-status\", \"id\": \"split\"}\n");
        same("{\"execute\": \"query-status\"}{\"execute\": \"query-status\", \"id\": 2}\n");
        assertEquals(toQemu.next(), toJvmm.next(), "the second message of the shared write");
    }

    @Test
    void queryVersionAndQueryStatusHaveQemusShape() {
        same("{\"execute\": \"qmp_capabilities\"}\n");
        sameShape("{\"execute\": \"query-version\", \"id\": null}\n");
        same("{\"execute\": \"query-status\"}\n");
    }
}
