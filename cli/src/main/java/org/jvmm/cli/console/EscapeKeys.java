// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.console;

import java.util.Objects;

/**
 * The console's escape key, as in QEMU's stdio multiplexer: in raw mode every key goes to the
 * guest, Ctrl-C included, so jvmm's own commands hide behind Ctrl-A.
 *
 * <ul>
 *   <li>Ctrl-A x: quit jvmm; this and every later byte stay on the host</li>
 *   <li>Ctrl-A Ctrl-A: one Ctrl-A for the guest (shells use it for start-of-line)</li>
 *   <li>Ctrl-A h (or ?): a help line on the host</li>
 *   <li>Ctrl-A s: ask the guest to shut down (through VMBus, when the VM has it)</li>
 *   <li>Ctrl-A and any other key: both are dropped, as QEMU drops an unknown command</li>
 * </ul>
 *
 * <p>A pure state machine over the chunks stdin delivers: a Ctrl-A at the end of one chunk waits
 * for the first byte of the next, because a key pair typed quickly can still be split by read().
 */
public final class EscapeKeys {
    /** Ctrl-A, the escape byte. */
    public static final byte CTRL_A = 0x01;

    /** What the keys ask the host to do. Called on the thread that filters. */
    public interface Actions {
        void quit();

        void help();

        /** Ctrl-A s; ignored where the VM has no way to ask its guest. */
        default void shutdown() {}
    }

    private final Actions actions;
    /** The last byte seen was a Ctrl-A that has not been interpreted yet. */
    private boolean pending;
    private boolean quit;

    public EscapeKeys(Actions actions) {
        this.actions = Objects.requireNonNull(actions);
    }

    /**
     * Filters {@code buf[off, off + len)} in place: the bytes for the guest end up at
     * {@code buf[off, off + result)}, the escape sequences are removed and acted on. The result is
     * never more than {@code len}, so no buffer grows.
     */
    public int filter(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        int out = off;
        for (int i = off; i < off + len && !quit; i++) {
            byte b = buf[i];
            if (!pending) {
                if (b == CTRL_A) {
                    pending = true;
                } else {
                    buf[out++] = b;
                }
                continue;
            }
            pending = false;
            switch (b) {
                case CTRL_A -> buf[out++] = CTRL_A;
                case 'x' -> {
                    quit = true;
                    actions.quit();
                }
                case 'h', '?' -> actions.help();
                case 's' -> actions.shutdown();
                default -> { }   // an unknown command: dropped with its Ctrl-A
            }
        }
        return out - off;
    }

    /** True once Ctrl-A x was typed; from then on {@link #filter} passes nothing. */
    public boolean quitRequested() {
        return quit;
    }

    /** True while a Ctrl-A waits for its command key. */
    public boolean pending() {
        return pending;
    }
}
