// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input and clients that misbehave, and the socket file's life. */
class QmpRobustnessTest {
    @TempDir
    Path dir;

    @Test
    void malformedJsonIsAnErrorAndTheConnectionCarriesOn() {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            QmpClient c = qmp.negotiated();
            String deep = "[".repeat(5000) + "]".repeat(5000); // deeper than the parser's limit
            String longNumber = "{\"execute\": \"quit\", \"id\": " + "9".repeat(5000) + "}";
            for (String bad : List.of("{\"execute\": }", "{\"execute\" \"quit\"}", "{\"a\": 1, \"a\": 2}", "nonsense", "}",
                    deep, longNumber)) {
                c.sendRaw(bad + "\n");
                String line = c.nextLine();
                assertTrue(line.startsWith("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, "), bad + " -> " + line);
                assertFalse(line.contains("\n"));
            }
            assertEquals("running", c.execute("query-status").path("status").asText());
            assertTrue(qmp.target.calls.isEmpty());
        }
    }

    @Test
    void bytesThatAreNotUtf8AreAParseErrorToo() throws Exception {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            QmpClient c = qmp.negotiated();
            try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(qmp.socket))) {
                raw.write(ByteBuffer.wrap(new byte[] {'{', '"', (byte) 0xff, (byte) 0xc3, '"', ':', '1', '}', '\n',
                        '{', '"', 'e', 'x', 'e', 'c', 'u', 't', 'e', '"', ':', '"', 'q', 'm', 'p', '_', 'c', 'a', 'p',
                        'a', 'b', 'i', 'l', 'i', 't', 'i', 'e', 's', '"', '}', '\n'}));
                ByteBuffer in = ByteBuffer.allocate(4096);
                StringBuilder got = new StringBuilder();
                while (got.chars().filter(ch -> ch == '\n').count() < 3 && raw.read(in) > 0) {
                    got.append(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
                    in.clear();
                }
                String[] lines = got.toString().split("\n");
                assertTrue(lines[1].startsWith("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, "), lines[1]);
                assertEquals("{\"return\": {}}", lines[2]);
            }
            assertEquals("running", c.execute("query-status").path("status").asText());
        }
    }

    @Test
    void aMessageMayComeInPiecesAndSeveralInOneWrite() throws Exception {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            QmpClient c = qmp.connect();
            String request = "{\"execute\": \"qmp_capabilities\", \"id\": \"split {\\\"}\"}";
            for (char ch : request.toCharArray()) {
                c.sendRaw(String.valueOf(ch));
                Thread.sleep(1);
            }
            assertEquals("{\"return\": {}, \"id\": \"split {\\\"}\"}", c.nextLine());
            // two requests and a half in one write, no newlines; the half finishes later
            c.sendRaw("{\"execute\":\"query-status\",\"id\":1}{\"execute\":\"quit\",\"id\":2}{\"execute\":");
            assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": 1}", c.nextLine());
            assertEquals("{\"return\": {}, \"id\": 2}", c.nextLine());
            c.sendRaw("\"query-version\",\"id\":3}");
            assertEquals(3, c.next().path("id").asInt());
        }
    }

    @Test
    void anOversizedMessageIsRefusedAndItsClientClosedOthersUntouched() {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            QmpClient other = qmp.negotiated();
            QmpClient c = qmp.negotiated();
            c.sendRaw("{\"execute\": \"quit\", \"id\": \"" + "x".repeat(QmpServer.MAX_MESSAGE_BYTES) + "\"}");
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON message exceeds 1048576 bytes;"
                    + " closing the connection\"}}", c.nextLine());
            assertTrue(c.closedByServer());
            assertTrue(qmp.target.calls.isEmpty(), "the oversized command did not run");
            assertEquals("running", other.execute("query-status").path("status").asText());
        }
    }

    @Test
    void aMessageJustUnderTheLimitIsServed() {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            QmpClient c = qmp.negotiated();
            String id = "y".repeat(QmpServer.MAX_MESSAGE_BYTES - 100);
            c.sendRaw("{\"execute\": \"query-version\", \"id\": \"" + id + "\"}");
            assertEquals(id, c.next().path("id").asText());
        }
    }

    @Test
    void theSeventeenthClientIsRefusedAndALeavingClientMakesRoom() throws Exception {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            List<QmpClient> clients = new ArrayList<>();
            for (int i = 0; i < QmpServer.DEFAULT_MAX_CLIENTS; i++) {
                clients.add(qmp.connect());
            }
            qmp.awaitClients(16);
            QmpClient extra = qmp.raw();
            assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"too many QMP clients (16); try again later\"}}",
                    extra.nextLine());
            assertTrue(extra.closedByServer());
            QmpSocketException refused = assertThrows(QmpSocketException.class, qmp::connect);
            assertTrue(refused.getMessage().contains("refused the connection: too many QMP clients"), refused.getMessage());
            for (QmpClient c : clients) { // each has its own state: all still negotiate
                c.execute("qmp_capabilities");
            }
            clients.get(0).close();
            qmp.awaitClients(15);
            assertEquals("running", qmp.negotiated().execute("query-status").path("status").asText());
        }
    }

    @Test
    void sixteenClientsAtOnceEachGetTheirOwnRepliesInOrderWhileEventsFlow() throws Exception {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            List<QmpClient> clients = new ArrayList<>();
            for (int i = 0; i < QmpServer.DEFAULT_MAX_CLIENTS; i++) {
                clients.add(qmp.negotiated());
            }
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                QmpClient c = clients.get(i);
                int me = i;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        // Pipelined: all requests first, then the replies, which must come in order.
                        for (int n = 0; n < 100; n++) {
                            c.sendRaw("{\"execute\": \"query-status\", \"id\": [" + me + ", " + n + "]}");
                        }
                        for (int n = 0; n < 100; n++) {
                            JsonNode r;
                            do {
                                r = c.next();
                            } while (r.has("event"));
                            assertEquals(me, r.path("id").path(0).asInt(), r.toString());
                            assertEquals(n, r.path("id").path(1).asInt(), r.toString());
                            assertEquals("running", r.path("return").path("status").asText(), r.toString());
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            for (int e = 0; e < 50; e++) {
                qmp.server.emit(QmpEvent.balloonChange(e));
            }
            for (Thread t : threads) {
                t.join(30_000);
                assertFalse(t.isAlive(), "a client still waits for its replies");
            }
            assertTrue(failures.isEmpty(), failures.toString());
        }
    }

    @Test
    void aClientLeavingMidCommandOrMidReplyHarmsNobody() throws Exception {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            QmpClient half = qmp.negotiated();
            half.sendRaw("{\"execute\": \"query-sta");
            half.close();
            QmpClient gone = qmp.negotiated();
            for (int i = 0; i < 200; i++) {
                gone.sendRaw("{\"execute\": \"query-commands\"}");
            }
            gone.close(); // replies still being written
            qmp.awaitClients(0);
            assertEquals("running", qmp.negotiated().execute("query-status").path("status").asText());
        }
    }

    @Test
    void eventsNeverWaitForAClientThatDoesNotRead() throws Exception {
        try (QmpFixture qmp = new QmpFixture(dir)) {
            QmpClient reader = qmp.negotiated();
            // reads nothing, not even its greeting
            SocketChannel sleeper = SocketChannel.open(UnixDomainSocketAddress.of(qmp.socket));
            sleeper.write(ByteBuffer.wrap("{\"execute\": \"qmp_capabilities\"}".getBytes(StandardCharsets.UTF_8)));
            qmp.awaitClients(2);
            Thread.sleep(100); // lets the negotiation land
            // Far more than the socket buffer and the session queue hold, in bursts a reading
            // client keeps up with; only the time spent inside emit counts.
            long inEmit = 0;
            for (int burst = 0; burst < 50; burst++) {
                long start = System.nanoTime();
                for (int i = 0; i < 200; i++) {
                    qmp.server.emit(QmpEvent.balloonChange(i));
                }
                inEmit += System.nanoTime() - start;
                Thread.sleep(30);
            }
            assertTrue(inEmit < 2_000_000_000L, "emitting took " + inEmit / 1_000_000 + " ms");
            qmp.awaitClients(1); // the sleeper was dropped
            assertEquals("running", reader.execute("query-status").path("status").asText());
            sleeper.close();
        }
    }

    @Test
    void aStaleSocketIsReplacedALiveOneAndOtherFilesAreNot() throws Exception {
        Path sock = dir.resolve("qmp.sock");
        // A socket file whose listener is gone: what a SIGKILLed jvmm leaves (Java leaves it too).
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(sock));
        }
        assertTrue(Files.exists(sock));
        try (QmpFixture qmp = new QmpFixture(dir)) {
            assertEquals("running", qmp.negotiated().execute("query-status").path("status").asText());
            QmpSocketException live = assertThrows(QmpSocketException.class, () -> QmpServer.bind(sock,
                    QmpVersion.of("x"), 16, 1024));
            assertEquals("QMP socket " + sock + ": another process is listening on it", live.getMessage());
        }
        Path file = Files.writeString(dir.resolve("plain"), "keep me");
        QmpSocketException notSocket = assertThrows(QmpSocketException.class, () -> QmpServer.bind(file,
                QmpVersion.of("x"), 16, 1024));
        assertEquals("QMP socket " + file + ": exists and is not a socket", notSocket.getMessage());
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void aMissingOrUnwritableDirectoryIsOneLine() throws Exception {
        Path missing = dir.resolve("no/such/qmp.sock");
        QmpSocketException e = assertThrows(QmpSocketException.class, () -> QmpServer.bind(missing,
                QmpVersion.of("x"), 16, 1024));
        assertEquals("QMP socket " + missing + ": directory " + missing.getParent() + " does not exist", e.getMessage());
        Path tooLong = dir.resolve("s".repeat(120));  // sun_path holds 108 bytes
        QmpSocketException e2 = assertThrows(QmpSocketException.class, () -> QmpServer.bind(tooLong,
                QmpVersion.of("x"), 16, 1024));
        assertTrue(e2.getMessage().startsWith("QMP socket " + tooLong + ": cannot listen: "), e2.getMessage());
        assertFalse(e2.getMessage().contains("\n"));
        // A directory nobody may create a socket in, root included (the tests run as root in CI):
        // procfs refuses new files whatever the permissions say.
        Path ro = Path.of("/proc/self/q.sock");
        QmpSocketException denied = assertThrows(QmpSocketException.class, () -> QmpServer.bind(ro,
                QmpVersion.of("x"), 16, 1024));
        assertTrue(denied.getMessage().startsWith("QMP socket " + ro + ": cannot listen: "), denied.getMessage());
        assertFalse(denied.getMessage().contains("\n"));
    }

    @Test
    void closeDeliversWhatIsQueuedThenRemovesTheSocket() {
        QmpFixture qmp = new QmpFixture(dir);
        QmpClient c = qmp.negotiated();
        qmp.server.emit(QmpEvent.shutdown(true, "guest-shutdown"));
        qmp.server.close();
        assertEquals("SHUTDOWN", c.next().path("event").asText());
        assertTrue(c.closedByServer());
        assertFalse(Files.exists(qmp.socket), "socket file removed");
        qmp.close(); // a second close is harmless
    }

    @Test
    void closeLeavesASocketThatIsNoLongerOurs() throws Exception {
        QmpFixture qmp = new QmpFixture(dir);
        Files.delete(qmp.socket);
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(qmp.socket));
            qmp.close();
            assertTrue(Files.exists(qmp.socket), "another server's socket stays");
        }
    }
}
