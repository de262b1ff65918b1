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
}
