// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

/**
 * A guest's HvPostMessage input ({@code struct hyperv_post_message_input}: connection_id u32 @0,
 * reserved u32 @4, message_type u32 @8, payload_size u32 @12, payload[240] @16), copied out of
 * guest memory. {@code connectionId} is the full guest value; handlers are looked up by its low
 * 24 bits. {@code payload} has exactly payload_size bytes (at most 240).
 *
 * @param vpIndex the VP index of the calling vCPU
 */
public record PostedMessage(int vpIndex, int connectionId, int messageType, byte[] payload) {
    /** Size of the input structure in guest memory. */
    public static final int INPUT_SIZE = 256;
    /** HV_MESSAGE_PAYLOAD_SIZE. */
    public static final int MAX_PAYLOAD = 240;
}
