// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a QMP byte stream into messages the way QEMU's json-streamer does: not by lines but by
 * counting brackets outside strings, so a message may arrive in any number of reads and several
 * may share one. A top-level scalar ends at whitespace or punctuation and is a message of its own
 * (which the session then refuses as "not an object"); a stray closing bracket is one too. The
 * scan works on bytes: every character it looks for is ASCII, and UTF-8 never uses ASCII byte
 * values inside a multi-byte character.
 *
 * <p>A message over {@code maxBytes} is not buffered further: {@link #feed} reports
 * {@link Frame#oversized} and the framer stays stuck, since there is no safe place to resume
 * (QEMU drops such a message too; the session closes the connection). Not thread-safe: one
 * reader thread owns it.
 */
final class JsonFramer {
    /** A complete message, or the marker that the limit was crossed. */
    record Frame(byte[] bytes, boolean oversized) {}

    private final int maxBytes;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private int depth;
    private byte quote; // 0 outside a string, else the quote character that opened it
    private boolean escaped;
    private boolean inScalar;
    private boolean broken;

    JsonFramer(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Consumes all of {@code in} and returns the messages it completed, in order. */
    List<Frame> feed(ByteBuffer in) {
        List<Frame> out = new ArrayList<>();
        while (in.hasRemaining() && !broken) {
            byte b = in.get();
            if (inScalar && (isSpace(b) || isPunctuation(b))) {
                out.add(take()); // the scalar ends here; b starts whatever comes next
                inScalar = false;
            }
            if (depth == 0 && quote == 0 && !inScalar) {
                if (isSpace(b)) {
                    continue;
                }
                if (!append(b, out)) {
                    break;
                }
                switch (b) {
                    case '{', '[' -> depth = 1;
                    case '"', '\'' -> quote = b;
                    case '}', ']', ',', ':' -> out.add(take());
                    default -> inScalar = true;
                }
            } else {
                if (!append(b, out)) {
                    break;
                }
                if (quote != 0) {
                    if (escaped) {
                        escaped = false;
                    } else if (b == '\\') {
                        escaped = true;
                    } else if (b == quote) {
                        quote = 0;
                        if (depth == 0) {
                            out.add(take());
                        }
                    }
                } else if (!inScalar) {
                    switch (b) {
                        case '"', '\'' -> quote = b;
                        case '{', '[' -> depth++;
                        case '}', ']' -> {
                            if (--depth == 0) {
                                out.add(take());
                            }
                        }
                        default -> { }
                    }
                }
            }
        }
        return out;
    }

    /** Adds a byte to the message; past the limit, reports it and breaks the framer instead. */
    private boolean append(byte b, List<Frame> out) {
        if (current.size() == maxBytes) {
            broken = true;
            current.reset();
            out.add(new Frame(null, true));
            return false;
        }
        current.write(b);
        return true;
    }

    private Frame take() {
        byte[] bytes = current.toByteArray();
        current.reset();
        return new Frame(bytes, false);
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private static boolean isPunctuation(byte b) {
        return b == '{' || b == '}' || b == '[' || b == ']' || b == ',' || b == ':' || b == '"' || b == '\'';
    }
}
