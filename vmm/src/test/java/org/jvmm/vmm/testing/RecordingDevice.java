// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.testing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.jvmm.vmm.bus.BusDevice;

/**
 * A bus device for tests: records every access and answers reads from a queue of values (then
 * from a default). Thread-safe, since vCPU threads call it.
 */
public final class RecordingDevice implements BusDevice {
    /** One access: a read ({@code write} false, {@code value} what was returned) or a write. */
    public record Access(boolean write, long offset, int size, long value) {}

    private final List<Access> accesses = new ArrayList<>();
    private final Deque<Long> replies = new ArrayDeque<>();
    private long defaultReply;

    public synchronized RecordingDevice reply(long... values) {
        for (long v : values) {
            replies.add(v);
        }
        return this;
    }

    public synchronized RecordingDevice defaultReply(long value) {
        defaultReply = value;
        return this;
    }

    @Override
    public synchronized long read(long offset, int size) {
        long v = replies.isEmpty() ? defaultReply : replies.poll();
        accesses.add(new Access(false, offset, size, v));
        return v;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        accesses.add(new Access(true, offset, size, value));
    }

    public synchronized List<Access> accesses() {
        return List.copyOf(accesses);
    }

    public synchronized List<Access> writes() {
        return accesses.stream().filter(Access::write).toList();
    }

    public synchronized List<Long> writtenValues() {
        return accesses.stream().filter(Access::write).map(Access::value).toList();
    }
}
