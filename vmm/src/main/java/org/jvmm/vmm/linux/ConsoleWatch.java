// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Passes the guest's console output through to the real console and reads along for the three
 * lines Linux prints (kernel/reboot.c, kernel/panic.c) as it leaves, which say what a following
 * reset, triple fault or silent halt means:
 * {@code "reboot: Restarting system"}, {@code "reboot: Power down"} / {@code "reboot: System
 * halted"}, and {@code "Kernel panic - not syncing"}. Without ACPI a powered-off Linux only halts
 * its CPUs inside KVM, so the "Power down" line is the one sign the VM is done.
 *
 * <p>The guest writes these lines, so a guest can fake them; it can end itself through the
 * debug-exit port anyway, so this grants nothing new. Lines are cut at {@value #MAX_LINE} bytes,
 * so a guest never grows the buffer.
 */
final class ConsoleWatch extends OutputStream {
    static final int MAX_LINE = 256;
    static final String RESTARTING = "reboot: Restarting system";
    static final String POWER_DOWN = "reboot: Power down";
    static final String HALTED = "reboot: System halted";
    static final String PANIC = "Kernel panic - not syncing";

    /** Told (on the vCPU thread, with the serial lock held) when the kernel is powering off. */
    interface Listener {
        void poweringOff(String line);
    }

    private final OutputStream out;
    private final Listener listener;
    private final byte[] line = new byte[MAX_LINE];
    private int length;
    private volatile boolean restartRequested;
    private volatile boolean panicked;

    ConsoleWatch(OutputStream out, Listener listener) {
        this.out = Objects.requireNonNull(out);
        this.listener = Objects.requireNonNull(listener);
    }

    boolean restartRequested() {
        return restartRequested;
    }

    boolean panicked() {
        return panicked;
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } finally {
            observe((byte) b);
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    private void observe(byte b) {
        if (b == '\n' || b == '\r') {
            if (length > 0) {
                lineEnded(new String(line, 0, length, StandardCharsets.ISO_8859_1));
            }
            length = 0;
        } else if (length < MAX_LINE) {
            line[length++] = b;
        }
    }

    private void lineEnded(String text) {
        if (text.contains(PANIC)) {
            panicked = true;
        } else if (text.contains(RESTARTING)) {
            restartRequested = true;
        } else if (text.contains(POWER_DOWN) || text.contains(HALTED)) {
            listener.poweringOff(text.strip());
        }
    }
}
