// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

/**
 * A device behind a VMBus channel (an integration service, the balloon): what the offer says it
 * is, and what it does with the channel once the guest opens it. Calls come under the channel's
 * lock, on a vCPU thread or the hv-signal thread (the guest's signal) or the VMBus service thread.
 */
public interface ChannelDevice {
    /** The offer's interface type GUID, e.g. "57164f39-9115-4e78-ab55-382f3bd5422d". */
    String interfaceType();

    /** A short name for logs, e.g. "heartbeat". */
    String name();

    /** The guest opened the channel: the device may send now. */
    void opened(Channel channel);

    /** A packet the guest sent (already bounds-checked against the ring). */
    void received(Channel channel, RingBuffer.Packet packet);

    /**
     * The guest closed the channel (or the host took the device away, or the VM goes away):
     * forget per-open state.
     */
    default void closed(Channel channel) {}
}
