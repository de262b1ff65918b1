// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

/**
 * Receives the guest's HvPostMessage calls for one connection id (QEMU's {@code HvMsgHandler}).
 * Runs on the calling vCPU's thread while the guest waits; returns the 16-bit hypercall status
 * the guest sees (e.g. {@link HvStatus#SUCCESS} or {@link HvStatus#INSUFFICIENT_BUFFERS}).
 */
@FunctionalInterface
public interface HvMessageHandler {
    int handle(PostedMessage message);
}
