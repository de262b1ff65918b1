// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A small QMP client, for {@code jvmm balloon} and {@code jvmm status} and for tests: it reads
 * the greeting, sends commands with ids of its own and returns their replies, keeping the events
 * that arrive meanwhile. Every wait has a deadline, so a server that stops answering costs a
 * one-line error, not a hung command. It expects one message per line, as QEMU and jvmm send them.
 */
public final class QmpClient implements AutoCloseable {
    private static final Object EOF = new Object();

    private final SocketChannel channel;
    private final LinkedBlockingQueue<Object> incoming = new LinkedBlockingQueue<>();
    private final ArrayDeque<JsonNode> events = new ArrayDeque<>();
    private final Duration timeout;
    private JsonNode greeting;
    private int nextId;

    private QmpClient(SocketChannel channel, Duration timeout) {
        this.channel = channel;
        this.timeout = timeout;
        Thread.ofVirtual().name("qmp-client-read").start(this::readLoop);
    }

    /** Connects and reads the greeting; a socket problem is a {@link QmpSocketException}. */
    public static QmpClient connect(Path path, Duration timeout) {
        QmpClient client = open(path, timeout);
        try {
            client.greeting = client.next();
            if (!client.greeting.has("QMP")) {
                // jvmm refuses a client beyond its limit with an error instead of a greeting
                throw new QmpSocketException("the QMP server at " + path + " refused the connection: "
                        + client.greeting.path("error").path("desc").asText(QmpJson.line(client.greeting)));
            }
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Connects without reading anything: the greeting is the first {@link #next()}. */
    public static QmpClient open(Path path, Duration timeout) {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException | RuntimeException e) {
            throw new QmpSocketException("cannot connect to " + path + ": " + e.getMessage());
        }
        return new QmpClient(ch, timeout);
    }

    private void readLoop() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isBlank()) {
                    incoming.add(line);
                }
            }
        } catch (IOException e) {
            // closed: the EOF below tells the waiting side
        }
        incoming.add(EOF);
    }

    /** The greeting read by {@link #connect}. */
    public JsonNode greeting() {
        return greeting;
    }

    /** The next message from the server, whatever it is. */
    public JsonNode next() {
        String line = nextLine();
        try {
            return QmpJson.parse(line);
        } catch (JsonProcessingException e) {
            throw new QmpSocketException("the QMP server sent something that is not JSON: " + e.getOriginalMessage());
        }
    }

    /** The next line from the server as it was sent. */
    public String nextLine() {
        Object o;
        try {
            o = incoming.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpSocketException("interrupted while waiting for the QMP server");
        }
        if (o == null) {
            throw new QmpSocketException("the QMP server did not answer within " + timeout.toMillis() + " ms");
        }
        if (o == EOF) {
            incoming.add(EOF); // later calls see the end too
            throw new QmpSocketException("the QMP server closed the connection");
        }
        return (String) o;
    }

    /** True once the server has closed the connection, waiting up to the timeout for it. */
    public boolean closedByServer() {
        try {
            while (true) {
                nextLine();
            }
        } catch (QmpSocketException e) {
            return e.getMessage().contains("closed the connection");
        }
    }

    /** Sends text as it is, for tests that need malformed or split input. */
    public void sendRaw(String text) {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            throw new QmpSocketException("the QMP server closed the connection: " + e.getMessage());
        }
    }

    /**
     * Runs a command and returns its {@code return} value; an error reply is a {@link QmpError}.
     * Events arriving before the reply are kept for {@link #events()}.
     */
    public JsonNode execute(String command, ObjectNode arguments) {
        String id = "jvmm-" + nextId++;
        ObjectNode request = QmpJson.object();
        request.put("execute", command);
        if (arguments != null) {
            request.set("arguments", arguments);
        }
        request.put("id", id);
        sendRaw(QmpJson.line(request) + "\n");
        while (true) {
            JsonNode m = next();
            if (m.has("event")) {
                events.add(m);
            } else if (id.equals(m.path("id").asText(null))) {
                if (m.has("error")) {
                    throw new QmpError(m.path("error").path("class").asText("GenericError"),
                            m.path("error").path("desc").asText(""));
                }
                return m.get("return");
            } else if (m.has("error") && !m.has("id")) {
                // a reply to no request: the server refused the connection or the input
                throw new QmpError(m.path("error").path("class").asText(), m.path("error").path("desc").asText());
            }
        }
    }

    public JsonNode execute(String command) {
        return execute(command, null);
    }

    /** The events seen while waiting for replies and not yet taken by {@link #nextEvent}. */
    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** The next event: one seen while waiting for a reply, else the next to arrive. */
    public JsonNode nextEvent() {
        while (events.isEmpty()) {
            JsonNode m = next();
            if (m.has("event")) {
                return m;
            }
        }
        return events.poll();
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing more to do with it
        }
    }
}
