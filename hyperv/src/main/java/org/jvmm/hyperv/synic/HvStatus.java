// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

/**
 * Hypercall status codes (TLFS "Hypercall status codes"; QEMU's hyperv-proto.h spelling). Only the
 * low 16 bits of a hypercall result carry the status.
 */
public final class HvStatus {
    private HvStatus() {}

    public static final int SUCCESS = 0;
    public static final int INVALID_HYPERCALL_CODE = 2;
    public static final int INVALID_HYPERCALL_INPUT = 3;
    public static final int INVALID_ALIGNMENT = 4;
    public static final int INVALID_PARAMETER = 5;
    public static final int ACCESS_DENIED = 6;
    public static final int OPERATION_DENIED = 8;
    public static final int INSUFFICIENT_MEMORY = 11;
    public static final int INVALID_PORT_ID = 17;
    public static final int INVALID_CONNECTION_ID = 18;
    public static final int INSUFFICIENT_BUFFERS = 19;

    /** The constant's name for {@code status} ("SUCCESS"), or "status-N" for one not listed. */
    public static String name(int status) {
        return switch (status) {
            case SUCCESS -> "SUCCESS";
            case INVALID_HYPERCALL_CODE -> "INVALID_HYPERCALL_CODE";
            case INVALID_HYPERCALL_INPUT -> "INVALID_HYPERCALL_INPUT";
            case INVALID_ALIGNMENT -> "INVALID_ALIGNMENT";
            case INVALID_PARAMETER -> "INVALID_PARAMETER";
            case ACCESS_DENIED -> "ACCESS_DENIED";
            case OPERATION_DENIED -> "OPERATION_DENIED";
            case INSUFFICIENT_MEMORY -> "INSUFFICIENT_MEMORY";
            case INVALID_PORT_ID -> "INVALID_PORT_ID";
            case INVALID_CONNECTION_ID -> "INVALID_CONNECTION_ID";
            case INSUFFICIENT_BUFFERS -> "INSUFFICIENT_BUFFERS";
            default -> "status-" + status;
        };
    }
}
