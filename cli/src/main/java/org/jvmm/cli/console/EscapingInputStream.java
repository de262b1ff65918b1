// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.console;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Host input with the {@link EscapeKeys} taken out. A read never returns 0 for a non-empty
 * request: when a whole chunk was escape keys it reads again, because the serial input pump
 * takes 0 for the end of input. After Ctrl-A x it reports end of input, which ends the pump.
 */
public final class EscapingInputStream extends FilterInputStream {
    private final EscapeKeys keys;

    public EscapingInputStream(InputStream in, EscapeKeys keys) {
        super(in);
        this.keys = keys;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!keys.quitRequested()) {
            int n = in.read(b, off, len);
            if (n < 0) {
                return -1;
            }
            int kept = keys.filter(b, off, n);
            if (kept > 0) {
                return kept;
            }
        }
        return -1;
    }

    /** Nothing can be promised: what is buffered may be escape keys only. */
    @Override
    public int available() {
        return 0;
    }

    /** Skips through {@link #read}, so skipped escape keys still act. */
    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        byte[] buf = new byte[512];
        long left = n;
        while (left > 0) {
            int r = read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                break;
            }
            left -= r;
        }
        return n - left;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
