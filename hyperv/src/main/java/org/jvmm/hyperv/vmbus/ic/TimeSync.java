// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus.ic;

import java.time.Clock;
import java.time.Instant;
import org.jvmm.hyperv.vmbus.Channel;

/**
 * The time synchronisation service (version 3.0): when the channel opens, the host sends its
 * time with the SYNC flag and Linux sets its clock to it (hv_utils' adj_guesttime). Times are in
 * 100 ns units since 1601-01-01, Windows' epoch.
 */
public final class TimeSync extends IcService {
    public static final String TYPE = "9527e630-d0ae-497b-adce-e80ab0175caf";
    /** ictimesync_data: parent (host) time u64, child time u64, round trip u64, flags u8. */
    static final int BODY = 25;
    static final int FLAG_SYNC = 1;
    /** 100 ns intervals from 1601-01-01 to 1970-01-01 (Linux's WLTIMEDELTA). */
    static final long EPOCH_DELTA = 116444736000000000L;

    private final Clock clock;
    private volatile int answered;

    public TimeSync(Clock clock) {
        super(3, 0);
        this.clock = clock;
    }

    @Override
    public String interfaceType() {
        return TYPE;
    }

    @Override
    public String name() {
        return "timesync";
    }

    /** Answers to the SYNC messages sent so far. */
    public int answered() {
        return answered;
    }

    static long windowsTime(Instant t) {
        return EPOCH_DELTA + t.getEpochSecond() * 10_000_000L + t.getNano() / 100;
    }

    @Override
    protected void afterNegotiation(Channel channel) {
        byte[] body = new byte[BODY];
        le(body).putLong(0, windowsTime(clock.instant()));
        body[24] = FLAG_SYNC;
        sendRequest(channel, TIMESYNC, body);
    }

    @Override
    protected boolean response(Channel channel, int type, int status, byte[] body) {
        if (type != TIMESYNC) {
            return false;
        }
        answered++;
        return true;
    }
}
