// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: its greeting, its negotiation state and its commands, as QEMU's
 * monitor/qmp.c and qapi/qmp-dispatch.c handle them.
 *
 * <p>Threads: a reader owns the socket's input, the framer and the protocol state; a writer
 * owns the output and drains a bounded queue that the reader (replies) and any thread
 * (events) fill. Nothing the VM calls ever waits on a client: an event finding the queue of a
 * client that does not read full drops that client. Replies, by contrast, wait for room, which
 * only stalls the client that sent the commands.
 */
final class QmpSession implements QmpCommands.Context {
    private static final Logger LOG = LoggerFactory.getLogger(QmpSession.class);
    private static final String CLOSE = new String("close"); // identity marks the end of output
    static final int QUEUE_LENGTH = 1024;

    private final SocketChannel channel;
    private final QmpServer server;
    private final JsonFramer framer;
    private final BlockingQueue<String> output = new ArrayBlockingQueue<>(QUEUE_LENGTH);
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Written by the reader only, under {@link #eventOrder} together with queueing the
     * qmp_capabilities reply: a client that has read that reply gets every later event, and no
     * event comes before the reply.
     */
    private volatile boolean negotiated;
    private final Object eventOrder = new Object();
    private boolean oob;
    private boolean negotiating; // set by qmp_capabilities during the current command
    private final List<QmpEvent> afterReply = new ArrayList<>(); // reader thread only
    private volatile boolean stopReading;
    private Thread reader;
    private Thread writer;

    QmpSession(SocketChannel channel, QmpServer server, int maxMessageBytes) {
        this.channel = channel;
        this.server = server;
        this.framer = new JsonFramer(maxMessageBytes);
    }

    void start() {
        ObjectNode greeting = QmpJson.object();
        ObjectNode qmp = greeting.putObject("QMP");
        qmp.set("version", server.version().node());
        qmp.putArray("capabilities").add("oob");
        output.add(QmpJson.line(greeting));
        writer = Thread.ofVirtual().name("qmp-write").start(this::writeLoop);
        reader = Thread.ofVirtual().name("qmp-read").start(this::readLoop);
    }

    /**
     * Queues an event line if the client is past negotiation; a client too slow to take it is
     * dropped rather than waited for. The lock is held only around non-blocking queue calls.
     */
    void offerEvent(String line) {
        boolean queued;
        synchronized (eventOrder) {
            if (!negotiated || closed.get()) {
                return;
            }
            queued = output.offer(line);
        }
        if (!queued) {
            LOG.warn("QMP client dropped: it left {} messages unread", QUEUE_LENGTH);
            close();
        }
    }

    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (!stopReading && channel.read(buf) >= 0) {
                buf.flip();
                for (JsonFramer.Frame frame : framer.feed(buf)) {
                    if (frame.oversized()) {
                        reply(error(QmpError.generic("JSON message exceeds " + server.maxMessageBytes()
                                + " bytes; closing the connection"), null));
                        closeAfterOutput();
                        return;
                    }
                    handle(frame.bytes());
                }
                buf.clear();
            }
            close(); // end of input: what was partial stays unanswered, as with QEMU
        } catch (IOException | InterruptedException e) {
            close();
        } catch (RuntimeException e) {
            // A bug of ours must cost this client its connection, not leave it without a reader.
            LOG.warn("QMP client closed after an internal error", e);
            close();
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                String line = output.take();
                if (line == CLOSE) {
                    break;
                }
                ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away or the session is closing: nothing more to write
        }
        close();
    }

    private void handle(byte[] message) throws InterruptedException {
        JsonNode request;
        try {
            request = QmpJson.parse(message);
        } catch (JsonProcessingException e) {
            reply(error(QmpError.generic("JSON parse error, " + oneLine(e.getOriginalMessage())), null));
            return;
        }
        JsonNode id = request.isObject() ? request.get("id") : null;
        ObjectNode response;
        afterReply.clear();
        try {
            response = success(dispatch(request), id);
        } catch (QmpError e) {
            response = error(e, id);
        } catch (RuntimeException e) {
            LOG.warn("QMP command failed", e);
            response = error(QmpError.generic("internal error: " + oneLine(String.valueOf(e))), id);
        }
        if (negotiating) {
            negotiating = false;
            boolean queued;
            synchronized (eventOrder) {
                negotiated = true;
                queued = output.offer(QmpJson.line(response));
            }
            if (!queued) {
                close(); // 1024 replies unread before negotiating: not a client worth waiting for
                return;
            }
        } else {
            reply(response);
        }
        if (response.has("return")) {
            afterReply.forEach(server::emit);
        }
    }

    /** QEMU's qmp_dispatch_check_obj, then the command lookup, argument check and call. */
    private JsonNode dispatch(JsonNode request) {
        if (!request.isObject()) {
            throw QmpError.generic("QMP input must be a JSON object");
        }
        String execKey = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = request.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            String key = m.getKey();
            if (key.equals("execute") || (key.equals("exec-oob") && oob)) {
                if (!m.getValue().isTextual()) {
                    throw QmpError.generic("QMP input member '" + key + "' must be a string");
                }
                if (execKey != null) {
                    throw QmpError.generic("QMP input member '" + key + "' clashes with '" + execKey + "'");
                }
                execKey = key;
            } else if (key.equals("arguments")) {
                if (!m.getValue().isObject()) {
                    throw QmpError.generic("QMP input member 'arguments' must be an object");
                }
            } else if (!key.equals("id")) {
                throw QmpError.generic("QMP input member '" + key + "' is unexpected");
            }
        }
        if (execKey == null) {
            throw QmpError.generic("QMP input lacks member 'execute'");
        }
        String name = request.get(execKey).textValue();
        Optional<QmpCommands.Command> command = QmpCommands.find(name)
                .filter(c -> negotiated || c.name().equals(QmpCommands.CAPABILITIES));
        if (command.isEmpty()) {
            // In negotiation mode QEMU swaps its not-found text for this hint (monitor_qmp_dispatch).
            throw new QmpError(QmpError.COMMAND_NOT_FOUND, negotiated
                    ? "The command " + name + " has not been found"
                    : "Expecting capabilities negotiation with 'qmp_capabilities'");
        }
        if (execKey.equals("exec-oob")) {
            throw QmpError.generic("The command " + name + " does not support OOB"); // none of jvmm's does
        }
        ObjectNode args = request.has("arguments") ? (ObjectNode) request.get("arguments") : QmpJson.object();
        QmpCommands.checkArguments(command.get(), args);
        return command.get().handler().run(args, this);
    }

    private void reply(ObjectNode response) throws InterruptedException {
        if (!closed.get()) {
            output.put(QmpJson.line(response));
        }
    }

    /** QEMU puts {@code id} after {@code return} and before {@code error}. */
    private static ObjectNode success(JsonNode result, JsonNode id) {
        ObjectNode r = QmpJson.object();
        r.set("return", result);
        if (id != null) {
            r.set("id", id);
        }
        return r;
    }

    static ObjectNode error(QmpError e, JsonNode id) {
        ObjectNode r = QmpJson.object();
        if (id != null) {
            r.set("id", id);
        }
        ObjectNode err = r.putObject("error");
        err.put("class", e.errorClass());
        err.put("desc", e.desc());
        return r;
    }

    private static String oneLine(String s) {
        String line = s == null ? "" : s.lines().findFirst().orElse("").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    @Override
    public QmpTarget target() {
        return server.target();
    }

    @Override
    public QmpVersion version() {
        return server.version();
    }

    @Override
    public void emitAfterReply(QmpEvent event) {
        afterReply.add(event);
    }

    @Override
    public void negotiate(boolean withOob) {
        if (negotiated) {
            throw new QmpError(QmpError.COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command ignored");
        }
        oob = withOob;
        negotiating = true;
    }

    /** Lets what is queued go out, then closes; for the server's own close and fatal input. */
    void closeAfterOutput() {
        stopReading = true;
        if (!output.offer(CLOSE)) {
            close();
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Closes at once, from any thread; idempotent. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopReading = true;
        try {
            channel.close(); // also wakes a reader or writer blocked on the socket
        } catch (IOException e) {
            // closing a socket that failed: nothing to do
        }
        output.clear();
        output.offer(CLOSE);
        if (reader != null && reader != Thread.currentThread()) {
            reader.interrupt(); // a reader waiting for room in the queue
        }
        server.removed(this);
    }
}
