// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus.ic;

import org.jvmm.hyperv.vmbus.Channel;

/**
 * The shutdown service (version 3.0): the host asks the guest to power off (flags 0), and
 * Linux's hv_utils answers and runs orderly_poweroff, which ends in the ACPI S5 write jvmm turns
 * into exit status 0. The request carries no message for the guest's users (an empty string).
 */
public final class Shutdown extends IcService {
    public static final String TYPE = "0e0b6031-5213-4934-818b-38d90ced39db";
    /** shutdown_msg_data: reason u32, timeout u32, flags u32, display message (2048 bytes). */
    static final int BODY = 12 + 2048;
    static final int FLAGS_SHUTDOWN = 0;
    /** SHTDN_REASON_FLAG_PLANNED: the reason Hyper-V gives for a host-initiated shutdown. */
    static final int REASON_PLANNED = 0x80000000;

    private Channel channel;
    private volatile boolean acknowledged;

    public Shutdown() {
        super(3, 0);
    }

    @Override
    public String interfaceType() {
        return TYPE;
    }

    @Override
    public String name() {
        return "shutdown";
    }

    @Override
    public void opened(Channel channel) {
        this.channel = channel;
        super.opened(channel);
    }

    @Override
    public void closed(Channel channel) {
        super.closed(channel);
        this.channel = null;
    }

    /** Asks the guest to power off; false when the guest's shutdown service is not ready. */
    public boolean request() {
        Channel c = channel;
        if (c == null) {
            return false;
        }
        synchronized (c) {
            byte[] body = new byte[BODY];
            le(body).putInt(0, REASON_PLANNED).putInt(4, 0).putInt(8, FLAGS_SHUTDOWN);
            return sendRequest(c, SHUTDOWN, body);
        }
    }

    /** True once the guest answered a request (it is powering off). */
    public boolean acknowledged() {
        return acknowledged;
    }

    @Override
    protected boolean response(Channel channel, int type, int status, byte[] body) {
        if (type != SHUTDOWN) {
            return false;
        }
        acknowledged = status == 0;
        return true;
    }
}
