// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

/**
 * Receives the guest's HvSignalEvent calls for one connection id (QEMU signals an EventNotifier
 * instead). Runs on the calling vCPU's thread; should only note the event and return.
 */
@FunctionalInterface
public interface HvEventHandler {
    void signal(int connectionId);
}
