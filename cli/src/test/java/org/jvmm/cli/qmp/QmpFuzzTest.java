// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.vmm.fuzz.FuzzEngine;
import org.jvmm.vmm.fuzz.FuzzInput;
import org.jvmm.vmm.fuzz.FuzzTarget;
import org.jvmm.vmm.fuzz.JazzerBridge;

/**
 * QMP input fuzzing through the real server on a real socket: each input is a connection that
 * sends commands built from the input (every command, arguments of every JSON type, ids,
 * exec-oob) and raw bytes, in one write or in pieces. The finding oracle: every complete message
 * (as the production framer cuts the stream, so a partial last one is not owed a reply) gets one
 * reply, which is a JSON object with "return" or a QMP "error" of class and desc, never "internal
 * error"; the server keeps answering other clients; no session outlives its connection.
 */
class QmpFuzzTest {
    private static final String[] COMMANDS = {"qmp_capabilities", "query-status", "query-version", "query-commands",
        "balloon", "query-balloon", "system_powerdown", "quit", "cont", "", "query-status\u0000"};
    private static final String[] KEYS = {"execute", "exec-oob", "arguments", "id", "enable", "value", "control"};

    @TempDir
    Path dir;

    /** The Jazzer run's server and target, made by its first input and checked after its last. */
    @TempDir
    static Path jazzerDir;
    private static QmpFixture jazzerQmp;
    private static Target jazzerTarget;

    static final class Target implements FuzzTarget {
        private final QmpFixture qmp;
        private final QmpClient watcher;
        private final java.util.concurrent.ScheduledExecutorService watchdog =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        private long inputs;

        Target(QmpFixture qmp) {
            this.qmp = qmp;
            this.watcher = qmp.negotiated();
        }

        @Override
        public String name() {
            return "qmp";
        }

        @Override
        public List<byte[]> seeds() {
            return List.of(new byte[] {0, 0, 1, 1, 2, 0, 3, 4, 5, 1}, new byte[] {1, 0, 0, 4, 1, 2, 1, 1});
        }

        @Override
        public void run(FuzzInput in) throws Exception {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            int messages = 1 + in.pick(6);
            for (int i = 0; i < messages && in.hasMore(); i++) {
                if (in.pick(5) == 0) {
                    stream.write(in.bytes(48));
                } else {
                    stream.write(command(in).toString().getBytes(StandardCharsets.UTF_8));
                }
                stream.write(in.pick(4) == 0 ? ' ' : '\n');
            }
            byte[] bytes = stream.toByteArray();
            int owed = 0;
            boolean oversized = false;
            for (JsonFramer.Frame f : new JsonFramer(QmpServer.MAX_MESSAGE_BYTES).feed(ByteBuffer.wrap(bytes))) {
                oversized |= f.oversized();
                owed++;
            }
            LineReader lines = greeted();
            try (SocketChannel ch = lines.ch) {
                // A reply that never comes must end as a finding, not as a test stuck in read().
                var deadline = watchdog.schedule(() -> {
                    try {
                        ch.close();
                    } catch (java.io.IOException e) {
                        // closing is all the watchdog can do
                    }
                }, 5, TimeUnit.SECONDS);
                int at = 0;
                while (at < bytes.length) {
                    int n = in.pick(3) == 0 ? 1 + in.pick(bytes.length - at) : bytes.length - at;
                    try {
                        ch.write(ByteBuffer.wrap(bytes, at, n));
                    } catch (java.io.IOException e) {
                        if (!oversized) {
                            throw e;
                        }
                        break; // the server answers an oversized message once and hangs up (README, QMP)
                    }
                    at += n;
                }
                for (int got = 0; got < owed; ) {
                    String line = lines.next();
                    if (line == null) {
                        if (oversized) {
                            break;
                        }
                        throw new AssertionError("no reply after %d of %d replies to %s"
                                .formatted(got, owed, new String(bytes, StandardCharsets.UTF_8)));
                    }
                    JsonNode reply = QmpJson.parse(line.getBytes(StandardCharsets.UTF_8));
                    if (reply.has("event")) {
                        in.reach("event " + reply.get("event").asText());
                        continue;
                    }
                    got++;
                    check(reply, line, bytes);
                    in.reach(reply.has("return") ? "return" : "error " + errorKind(reply.path("error").path("desc").asText()));
                }
                deadline.cancel(false);
            }
            if (++inputs % 200 == 0) {
                assertEquals("running", watcher.execute("query-status").path("status").asText());
            }
        }

        /**
         * A connection whose greeting has been read. The sessions of earlier inputs end a little
         * after their sockets close, on the server's threads; thousands of inputs a second on a
         * busy machine can find the 16-client limit still full, and the server then refuses the
         * connection with an error line and hangs up (as README's QMP section says). That is the
         * limit working, not a finding: wait until only the watcher is left, connect again.
         */
        private LineReader greeted() throws Exception {
            while (true) {
                LineReader lines = new LineReader(SocketChannel.open(UnixDomainSocketAddress.of(qmp.socket)));
                String first = lines.next();
                if (first != null && first.startsWith("{\"QMP\"")) {
                    return lines;
                }
                lines.ch.close();
                if (first == null || !first.contains("too many QMP clients")) {
                    throw new AssertionError("neither a greeting nor the client limit: " + first);
                }
                qmp.awaitClients(1);
            }
        }

        /** An error's desc without what the input put into it (names, numbers, characters). */
        private static String errorKind(String desc) {
            if (desc.startsWith("The command ")) {
                return "command not found";
            }
            String[] words = desc.replaceAll("'[^']*'", "'x'").replaceAll("0x[0-9a-fA-F]+|[0-9]+", "N").split(" ");
            return String.join(" ", java.util.Arrays.copyOf(words, Math.min(words.length, 7)));
        }

        private static void check(JsonNode reply, String line, byte[] sent) {
            boolean ok = reply.isObject() && (reply.has("return") ^ reply.has("error"))
                    && (!reply.has("error") || reply.get("error").path("class").isTextual() && reply.get("error").path("desc").isTextual());
            if (!ok || line.contains("internal error")) {
                throw new AssertionError("reply " + line + " to " + new String(sent, StandardCharsets.UTF_8));
            }
        }

        private static ObjectNode command(FuzzInput in) {
            JsonNodeFactory f = JsonNodeFactory.instance;
            ObjectNode o = f.objectNode();
            int fields = in.pick(4) == 0 ? in.pick(4) : 2;
            for (int i = 0; i < fields; i++) {
                String key = in.pick(8) == 0 ? "k" + in.u8() : KEYS[in.pick(i == 0 ? 2 : KEYS.length)];
                o.set(key, switch (key) {
                    case "execute", "exec-oob" -> in.pick(6) == 0 ? value(in, 2) : f.textNode(COMMANDS[in.pick(COMMANDS.length)]);
                    case "arguments" -> in.pick(6) == 0 ? value(in, 2) : arguments(in);
                    default -> value(in, 2);
                });
            }
            return o;
        }

        private static ObjectNode arguments(FuzzInput in) {
            ObjectNode a = JsonNodeFactory.instance.objectNode();
            int n = in.pick(3);
            for (int i = 0; i < n; i++) {
                a.set(KEYS[4 + in.pick(3)], in.pick(3) == 0 ? JsonNodeFactory.instance.arrayNode().add("oob") : value(in, 2));
            }
            return a;
        }

        private static JsonNode value(FuzzInput in, int depth) {
            JsonNodeFactory f = JsonNodeFactory.instance;
            return switch (in.pick(depth > 0 ? 9 : 7)) {
                case 0 -> f.nullNode();
                case 1 -> f.booleanNode(in.bool());
                case 2 -> f.numberNode(in.edgy64());
                case 3 -> f.numberNode(Double.longBitsToDouble(in.u64()));
                case 4 -> f.numberNode(new java.math.BigInteger(1, in.bytes(24)));
                case 5 -> f.textNode(new String(in.bytes(12), StandardCharsets.UTF_8));
                case 6 -> f.textNode("oob");
                case 7 -> {
                    ArrayNode a = f.arrayNode();
                    for (int i = in.pick(3); i > 0; i--) {
                        a.add(value(in, depth - 1));
                    }
                    yield a;
                }
                default -> {
                    ObjectNode o = f.objectNode();
                    for (int i = in.pick(3); i > 0; i--) {
                        o.set(KEYS[in.pick(KEYS.length)], value(in, depth - 1));
                    }
                    yield o;
                }
            };
        }
    }

    /** Lines from a socket, with a deadline: a reply that never comes is a finding, not a hang. */
    private static final class LineReader {
        private final SocketChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineReader(SocketChannel ch) {
            this.ch = ch;
            buf.flip();
        }

        String next() throws Exception {
            while (true) {
                while (buf.hasRemaining()) {
                    byte b = buf.get();
                    if (b == '\n') {
                        String s = line.toString(StandardCharsets.UTF_8);
                        line.reset();
                        return s;
                    }
                    line.write(b);
                }
                buf.clear();
                if (ch.read(buf) < 0) {
                    return null;
                }
                buf.flip();
            }
        }
    }

    @Test
    void qmpAnswersHostileInputOneReplyPerMessage() throws Exception {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            FuzzEngine.fuzz(new Target(qmp)).assertNoFindings();
            qmp.awaitClients(1); // only the watcher: every fuzz connection's session is gone
        }
    }

    /** The same target under Jazzer: corpus replay in a normal build, coverage-guided with JAZZER_FUZZ=1. */
    @FuzzTest(maxDuration = "60s")
    void qmp(byte[] data) throws Exception {
        if (jazzerTarget == null) {
            jazzerQmp = new QmpFixture(jazzerDir);
            jazzerTarget = new Target(jazzerQmp);
        }
        JazzerBridge.run(jazzerTarget, data);
    }

    @AfterAll
    static void noSessionOutlivesItsConnection() throws Exception {
        if (jazzerQmp != null) {
            try (QmpFixture qmp = jazzerQmp) {
                qmp.awaitClients(1);
            }
        }
    }
}
