// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A QMP server over a fake target on a socket in a temp dir, and the clients a test opens. */
final class QmpFixture implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    final FakeTarget target = new FakeTarget();
    final Path socket;
    final QmpServer server;
    private final List<QmpClient> clients = new ArrayList<>();

    QmpFixture(Path dir) {
        socket = dir.resolve("qmp.sock");
        server = QmpServer.bind(socket, QmpVersion.of("test"), QmpServer.DEFAULT_MAX_CLIENTS, QmpServer.MAX_MESSAGE_BYTES);
        server.start(target);
    }

    /** A client that has read the greeting. */
    QmpClient connect() {
        return keep(QmpClient.connect(socket, TIMEOUT));
    }

    /** A client past qmp_capabilities. */
    QmpClient negotiated() {
        QmpClient c = connect();
        c.execute("qmp_capabilities");
        return c;
    }

    /** A client that has read nothing yet. */
    QmpClient raw() {
        return keep(QmpClient.open(socket, TIMEOUT));
    }

    private QmpClient keep(QmpClient c) {
        clients.add(c);
        return c;
    }

    /** Waits until the server counts {@code n} clients, which it learns asynchronously. */
    void awaitClients(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (server.clients() != n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("server has " + server.clients() + " clients, expected " + n);
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        clients.forEach(QmpClient::close);
        server.close();
    }
}
