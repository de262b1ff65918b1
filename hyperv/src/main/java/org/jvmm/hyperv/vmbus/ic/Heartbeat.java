// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus.ic;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jvmm.hyperv.vmbus.Channel;

/**
 * The heartbeat service (version 3.0): once a second the host sends a sequence number and the
 * guest's hv_utils answers with that number plus one, which is how the host knows the guest's
 * kernel is alive. {@link #beats()} counts the correct answers.
 */
public final class Heartbeat extends IcService {
    public static final String TYPE = "57164f39-9115-4e78-ab55-382f3bd5422d";
    /** heartbeat_msg_data: sequence number u64, then 32 reserved bytes. */
    static final int BODY = 40;

    private final ScheduledExecutorService timer;
    private final long periodMillis;
    private ScheduledFuture<?> beat;
    private long sent;
    /** The highest sequence number answered: an answer counts once, and only for a number sent. */
    private long answered;
    private volatile long beats;
    private volatile long lastBeatNanos;

    public Heartbeat(ScheduledExecutorService timer, long periodMillis) {
        super(3, 0);
        this.timer = timer;
        this.periodMillis = periodMillis;
    }

    @Override
    public String interfaceType() {
        return TYPE;
    }

    @Override
    public String name() {
        return "heartbeat";
    }

    /** Correct answers so far. */
    public long beats() {
        return beats;
    }

    /** System.nanoTime() of the last correct answer, 0 before the first. */
    public long lastBeatNanos() {
        return lastBeatNanos;
    }

    @Override
    protected void afterNegotiation(Channel channel) {
        if (beat == null) {
            beat = timer.scheduleWithFixedDelay(() -> {
                synchronized (channel) {
                    byte[] body = new byte[BODY];
                    le(body).putLong(0, ++sent);
                    sendRequest(channel, HEARTBEAT, body);
                }
            }, 0, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void closed(Channel channel) {
        super.closed(channel);
        if (beat != null) {
            beat.cancel(false);
            beat = null;
        }
    }

    @Override
    protected boolean response(Channel channel, int type, int status, byte[] body) {
        // The guest answers n + 1 to request n; a slow answer may come after the next request left.
        long asked = type == HEARTBEAT && body.length >= BODY ? le(body).getLong(0) - 1 : -1;
        if (asked <= answered || asked > sent) {
            return false;
        }
        answered = asked;
        beats++;
        lastBeatNanos = System.nanoTime();
        return true;
    }
}
