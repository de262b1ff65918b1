// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import java.util.Objects;
import org.jvmm.vmm.bus.BusDevice;

/**
 * A port through which a test guest ends the VM with an exit status, compatible with QEMU's
 * isa-debug-exit (hw/misc/debugexit.c): by default it sits at 0x501 and spans 2 ports, and a
 * write of value v at any width makes QEMU exit with status {@code (v << 1) | 1}. jvmm keeps that
 * mapping so guests written for QEMU work unchanged; the low bit is always set, so a guest cannot
 * fake a clean exit 0. The process exit status a shell sees is the low 8 bits of the code.
 * Reads return 0.
 */
public final class DebugExit implements BusDevice {
    public static final int BASE = 0x501;
    public static final int PORT_COUNT = 2;

    /** Receives the exit code on the vCPU thread that wrote it. */
    @FunctionalInterface
    public interface ExitRequest {
        void exit(int code);
    }

    private final ExitRequest listener;

    public DebugExit(ExitRequest listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** The exit code for a write of {@code value} ({@code size} bytes) — QEMU's mapping. */
    public static int exitCode(long value, int size) {
        long v = size >= 8 ? value : value & ((1L << (size * 8)) - 1);
        return (int) (v << 1) | 1;
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        listener.exit(exitCode(value, size));
    }
}
