// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jvmm.bindings.libc.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that waits on eventfds (KVM's resample fds, signalled when the guest acknowledges a
 * SINT) and runs each one's callback when it fires.
 *
 * <p>The fds belong to the caller, who closes them; the poller must never poll or read one after
 * that, or it would touch whatever file the number is reused for. So {@link #unwatch} returns only
 * once no poll round can still see the fd: each round takes its snapshot of the watched fds and
 * polls while holding {@code round}; unwatch removes the fd, then wakes the poll through
 * {@code wakeFd} until it holds {@code round} itself (fair, so a waiting unwatch goes first). A round that
 * started before the removal has ended by then, and every later round's snapshot lacks the fd.
 *
 * <p>Callbacks run after the round, outside every lock, so they may unwatch (even themselves). One
 * that throws is logged and the others go on; a callback may still run once after its fd was
 * unwatched (its ack arrived in the same round), so callbacks must tolerate that.
 */
final class SintAckPoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SintAckPoller.class);
    private static final int EINTR = 4;

    private final String name;
    private final int wakeFd;
    private final ReentrantLock round = new ReentrantLock(true);
    /** fd to callback; guarded by this. */
    private final Map<Integer, Runnable> watched = new LinkedHashMap<>();
    private Thread thread;
    private volatile boolean closed;

    SintAckPoller(String name) {
        this.name = name;
        this.wakeFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
    }

    /** Runs {@code onSignal} whenever {@code fd} (an eventfd) is signalled. */
    void watch(int fd, Runnable onSignal) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException(name + " is closed");
            }
            if (watched.putIfAbsent(fd, onSignal) != null) {
                throw new IllegalArgumentException("fd " + fd + " is already watched");
            }
            if (thread == null) {
                thread = Thread.ofPlatform().name(name).daemon(true).start(this::loop);
            }
        }
        wake();
    }

    /** Stops watching {@code fd}; when this returns the poller no longer uses it and it may be closed. */
    void unwatch(int fd) {
        synchronized (this) {
            if (watched.remove(fd) == null) {
                return;
            }
        }
        if (Thread.currentThread() == thread) {
            return; // a callback: its round is over, and the next snapshot lacks the fd
        }
        // Wake until the round is ours: one wake alone can be used up by a round that was
        // already past its poll (an eventfd read takes the whole count), after which the poller
        // could start the next poll before we queue on the lock and sleep there for ever.
        try {
            do {
                wake();
            } while (!round.tryLock(1, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            round.lock();
        }
        round.unlock();
    }

    private void wake() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            LibC.writeOrErrno(wakeFd, one);
        }
    }

    private void loop() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment counter = a.allocate(ValueLayout.JAVA_LONG);
            while (!closed) {
                List<Runnable> fired;
                try {
                    fired = pollOnce(counter);
                } catch (RuntimeException e) {
                    LOG.warn("{}: poll round failed: {}", name, e.toString());
                    pause();
                    continue;
                }
                for (Runnable r : fired) {
                    try {
                        r.run();
                    } catch (RuntimeException e) {
                        // One route's failure must not stop the acks of all the others.
                        LOG.warn("{}: ack callback failed: {}", name, e.toString(), e);
                    }
                }
            }
        }
    }

    /** Keeps a persistent failure from turning into a busy loop of warnings. */
    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One round under {@code round}: snapshot, poll, read what fired. */
    private List<Runnable> pollOnce(MemorySegment counter) {
        round.lock();
        try (Arena r = Arena.ofConfined()) {
            List<Map.Entry<Integer, Runnable>> now;
            synchronized (this) {
                now = new ArrayList<>(watched.entrySet());
            }
            long size = LibC.POLLFD.byteSize();
            MemorySegment fds = r.allocate(LibC.POLLFD, now.size() + 1);
            fds.set(ValueLayout.JAVA_INT, 0, wakeFd);
            fds.set(ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
            for (int i = 0; i < now.size(); i++) {
                fds.set(ValueLayout.JAVA_INT, (i + 1) * size, now.get(i).getKey());
                fds.set(ValueLayout.JAVA_SHORT, (i + 1) * size + 4, LibC.POLLIN);
            }
            int n = LibC.pollOrErrno(fds, now.size() + 1, -1);
            List<Runnable> fired = new ArrayList<>();
            if (n == -EINTR) {
                return fired;
            }
            if (n < 0) {
                throw new IllegalStateException("poll failed: errno " + -n);
            }
            if ((fds.get(ValueLayout.JAVA_SHORT, 6) & LibC.POLLIN) != 0) {
                LibC.readOrErrno(wakeFd, counter);
            }
            for (int i = 0; i < now.size(); i++) {
                short revents = fds.get(ValueLayout.JAVA_SHORT, (i + 1) * size + 6);
                if ((revents & LibC.POLLIN) != 0 && LibC.readOrErrno(now.get(i).getKey(), counter) == 8) {
                    fired.add(now.get(i).getValue());
                }
            }
            return fired;
        } finally {
            round.unlock();
        }
    }

    /** Stops the thread and closes the wake fd; the watched fds stay the caller's. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
        }
        wake();
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                // Closing the wake fd under a live poller could hand its number to another file.
                LOG.warn("{}: thread did not stop; its wake fd stays open", name);
                return;
            }
        }
        LibC.close(wakeFd);
    }
}
