// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stream the serial pump reads in raw mode. */
class EscapingInputStreamTest {
    private final List<String> actions = new ArrayList<>();

    /** An input that hands out one scripted chunk per read, like a terminal in raw mode. */
    private static InputStream chunks(String... parts) {
        List<byte[]> list = new ArrayList<>();
        for (String p : parts) {
            list.add(p.getBytes(StandardCharsets.ISO_8859_1));
        }
        return new InputStream() {
            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (list.isEmpty()) {
                    return -1;
                }
                byte[] next = list.removeFirst();
                System.arraycopy(next, 0, b, off, next.length);
                return next.length;
            }
        };
    }

    private EscapingInputStream stream(InputStream in) {
        return new EscapingInputStream(in, new EscapeKeys(new EscapeKeys.Actions() {
            @Override
            public void quit() {
                actions.add("quit");
            }

            @Override
            public void help() {
                actions.add("help");
            }
        }));
    }

    @Test
    void aChunkOfOnlyEscapeKeysIsNeverReportedAsZeroBytes() throws IOException {
        EscapingInputStream in = stream(chunks("\u0001", "h", "ok"));
        byte[] buf = new byte[16];
        assertEquals(2, in.read(buf, 0, 16));
        assertEquals("ok", new String(buf, 0, 2, StandardCharsets.ISO_8859_1));
        assertEquals(List.of("help"), actions);
        assertEquals(-1, in.read(buf, 0, 16));
    }

    @Test
    void quitEndsTheInputEvenWithMoreToRead() throws IOException {
        EscapingInputStream in = stream(chunks("ab\u0001", "xzz", "never"));
        assertEquals("ab", new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        assertEquals(List.of("quit"), actions);
        assertEquals(-1, in.read());
    }

    @Test
    void singleByteReadsAndSkipGoThroughTheFilter() throws IOException {
        EscapingInputStream in = stream(new ByteArrayInputStream("\u0001\u0001\u00ffq\u0001hr".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(1, in.read());
        assertEquals(0xff, in.read());
        assertEquals(1, in.skip(1));     // skips 'q'
        assertEquals('r', in.read());
        assertEquals(List.of("help"), actions);
        assertEquals(-1, in.read());
        assertEquals(0, in.available());
    }
}
