// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QMP server on a UNIX socket, QEMU 7.2's protocol (see {@link QmpSession}) for up to
 * {@code maxClients} clients at once, each with its own greeting and negotiation. Usage:
 *
 * <pre>{@code
 * try (QmpServer qmp = QmpServer.bind(path, QmpVersion.of("0.1.0"), 16, QmpServer.MAX_MESSAGE_BYTES)) {
 *     qmp.start(target);                       // accepts clients from now on
 *     qmp.emit(QmpEvent.shutdown(true, "guest-shutdown"));
 * }                                            // clients see what was queued; the socket file goes
 * }</pre>
 *
 * <p>Binding refuses a path that something else owns: a file that is not a socket, or a socket
 * a process still listens on. A socket nobody listens on is a leftover of a process that died
 * without cleaning up (SIGKILL), and is replaced.
 */
public final class QmpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QmpServer.class);
    public static final int DEFAULT_MAX_CLIENTS = 16;
    /** QEMU allows 64 MiB per message; jvmm's commands are tiny, so 1 MiB is generous. */
    public static final int MAX_MESSAGE_BYTES = 1 << 20;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    /** How long close() lets queued replies and events reach the clients. */
    private static final long CLOSE_GRACE_MILLIS = 500;

    private final Path path;
    private final ServerSocketChannel listener;
    private final Object inode;
    private final QmpVersion version;
    private final int maxClients;
    private final int maxMessageBytes;
    private final Set<QmpSession> sessions = ConcurrentHashMap.newKeySet();
    private volatile QmpTarget target;
    private volatile boolean closing;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile QmpEvent exitEvent;
    /** Cleans up when the JVM ends without reaching close(): SIGTERM or SIGINT by default. */
    private final Thread exitHook = new Thread(this::closeOnJvmExit, "qmp-exit");

    private QmpServer(Path path, ServerSocketChannel listener, Object inode, QmpVersion version,
            int maxClients, int maxMessageBytes) {
        this.path = path;
        this.listener = listener;
        this.inode = inode;
        this.version = version;
        this.maxClients = maxClients;
        this.maxMessageBytes = maxMessageBytes;
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    /**
     * The event clients get if the JVM ends before {@link #close} (a signal without a handler of
     * jvmm's own): jvmm run sets SHUTDOWN host-signal, as QEMU sends on SIGTERM.
     */
    public void onJvmExit(QmpEvent event) {
        this.exitEvent = event;
    }

    private void closeOnJvmExit() {
        QmpEvent last = exitEvent;
        if (last != null && !closing) {
            emit(last);
        }
        close();
    }

    /** Listens on {@code path}; clients wait in the backlog until {@link #start}. */
    public static QmpServer bind(Path path, QmpVersion version, int maxClients, int maxMessageBytes) {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new QmpSocketException("QMP socket " + path + ": directory " + dir + " does not exist");
        }
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            removeStale(abs, path);
        }
        ServerSocketChannel listener = null;
        try {
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(abs));
            Object inode = Files.getAttribute(abs, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            return new QmpServer(abs, listener, inode, version, maxClients, maxMessageBytes);
        } catch (IOException | RuntimeException e) {
            closeQuietly(listener);
            throw new QmpSocketException("QMP socket " + path + ": cannot listen: " + describe(e));
        }
    }

    /** Removes a socket file nobody listens on; refuses anything else. */
    private static void removeStale(Path abs, Path shown) {
        try {
            int mode = (Integer) Files.getAttribute(abs, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new QmpSocketException("QMP socket " + shown + ": exists and is not a socket");
            }
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(abs))) {
                throw new QmpSocketException("QMP socket " + shown + ": another process is listening on it");
            } catch (ConnectException refused) {
                LOG.info("replacing the stale QMP socket {}", shown);
                Files.delete(abs);
            }
        } catch (IOException e) {
            throw new QmpSocketException("QMP socket " + shown + ": " + describe(e));
        }
    }

    /** Starts accepting clients, whose commands act on {@code target}. */
    public void start(QmpTarget target) {
        this.target = target;
        Thread.ofPlatform().daemon().name("qmp-accept").start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (!closing) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // Out of file descriptors, say: wait a little rather than spin on the error.
                LOG.warn("QMP accept failed: {}", e.toString());
                sleepQuietly(50);
                continue;
            }
            // Only this thread adds sessions, so the count cannot grow between check and add.
            if (sessions.size() >= maxClients) {
                refuse(client, "too many QMP clients (" + maxClients + "); try again later");
                continue;
            }
            QmpSession session = new QmpSession(client, this, maxMessageBytes);
            sessions.add(session);
            session.start();
        }
    }

    /** One error line, then the connection closes; a fresh socket's buffer always takes it. */
    private static void refuse(SocketChannel client, String why) {
        try (client) {
            String line = QmpJson.line(QmpSession.error(QmpError.generic(why), null)) + "\n";
            client.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // the client left already
        }
    }

    /**
     * Sends an event to every client past negotiation, from any thread, without waiting for any
     * of them (QEMU holds events back from clients still negotiating, too).
     */
    public void emit(QmpEvent event) {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        ObjectNode e = QmpJson.object();
        e.set("timestamp", QmpJson.timestamp(micros));
        e.put("event", event.name());
        event.data().ifPresent(d -> e.set("data", d));
        String line = QmpJson.line(e);
        for (QmpSession s : sessions) {
            s.offerEvent(line); // which sends it only past negotiation
        }
    }

    public Path path() {
        return path;
    }

    int clients() {
        return sessions.size();
    }

    QmpTarget target() {
        return target;
    }

    QmpVersion version() {
        return version;
    }

    int maxMessageBytes() {
        return maxMessageBytes;
    }

    void removed(QmpSession session) {
        sessions.remove(session);
    }

    /**
     * Stops accepting, lets each client receive what is queued for it (a last SHUTDOWN event)
     * for up to half a second, closes them, and removes the socket file if it is still ours.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (Thread.currentThread() != exitHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(exitHook);
            } catch (IllegalStateException e) {
                // the JVM is already ending: the hook finds the server closed
            }
        }
        closing = true;
        closeQuietly(listener);
        sessions.forEach(QmpSession::closeAfterOutput);
        long deadline = System.nanoTime() + CLOSE_GRACE_MILLIS * 1_000_000;
        while (!sessions.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        sessions.forEach(QmpSession::close);
        try {
            // Another jvmm may have replaced a socket we lost; its file is not ours to delete.
            if (inode.equals(Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                Files.delete(path);
            }
        } catch (IOException e) {
            LOG.debug("QMP socket {} not removed: {}", path, e.toString());
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // closing on the way out: nothing to report
            }
        }
    }
}
