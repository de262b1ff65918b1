// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The escape-key state machine on byte chunks, as read() would deliver them. */
class EscapeKeysTest {
    private final List<String> actions = new ArrayList<>();
    private final EscapeKeys keys = new EscapeKeys(new EscapeKeys.Actions() {
        @Override
        public void quit() {
            actions.add("quit");
        }

        @Override
        public void help() {
            actions.add("help");
        }
    });

    /** Filters one chunk and returns what the guest gets from it. */
    private String feed(String chunk) {
        byte[] buf = ("##" + chunk + "##").getBytes(StandardCharsets.ISO_8859_1);  // off = 2: offsets matter
        int n = keys.filter(buf, 2, chunk.length());
        assertTrue(n <= chunk.length());
        assertEquals("##", new String(buf, 0, 2, StandardCharsets.ISO_8859_1), "bytes before off untouched");
        return new String(buf, 2, n, StandardCharsets.ISO_8859_1);
    }

    @Test
    void ordinaryBytesPassThroughIncludingCtrlCAndHighBytes() {
        assertEquals("ls -l\r\u0003\u001b[A\u00ff", feed("ls -l\r\u0003\u001b[A\u00ff"));
        assertEquals(List.of(), actions);
    }

    @Test
    void ctrlAXQuitsAndSwallowsEverythingAfter() {
        assertEquals("ab", feed("ab\u0001xcd"));
        assertEquals(List.of("quit"), actions);
        assertTrue(keys.quitRequested());
        assertEquals("", feed("more"));
        assertEquals(List.of("quit"), actions, "quit is reported once");
    }

    @Test
    void ctrlACtrlASendsOneCtrlA() {
        assertEquals("a\u0001b", feed("a\u0001\u0001b"));
        assertEquals("\u0001\u0001", feed("\u0001\u0001\u0001\u0001"));
        assertEquals(List.of(), actions);
        assertFalse(keys.quitRequested());
    }

    @Test
    void ctrlAHAndQuestionMarkAskForHelpAndSendNothing() {
        assertEquals("ab", feed("a\u0001hb"));
        assertEquals("", feed("\u0001?"));
        assertEquals(List.of("help", "help"), actions);
    }

    @Test
    void ctrlAWithAnUnknownKeyDropsBoth() {
        assertEquals("ab", feed("a\u0001zb"));
        assertEquals("", feed("\u0001X"));   // only lower-case x quits, as in QEMU
        assertFalse(keys.quitRequested());
    }

    @Test
    void aCtrlAAtTheEndOfAChunkCarriesOverToTheNextChunk() {
        assertEquals("ab", feed("ab\u0001"));
        assertTrue(keys.pending());
        assertEquals("", feed("x"));
        assertEquals(List.of("quit"), actions);

        EscapeKeys other = new EscapeKeys(new EscapeKeys.Actions() {
            @Override
            public void quit() {
                actions.add("quit2");
            }

            @Override
            public void help() {}
        });
        byte[] a = {'q', 1};
        assertEquals(1, other.filter(a, 0, 2));
        byte[] b = {1, 'r'};
        assertEquals(2, other.filter(b, 0, 2));
        assertEquals(1, b[0], "the carried Ctrl-A plus this one make one Ctrl-A for the guest");
        assertEquals('r', b[1]);
        assertFalse(other.pending());
    }

    @Test
    void anEmptyChunkKeepsTheState() {
        feed("\u0001");
        assertEquals("", feed(""));
        assertTrue(keys.pending());
        assertEquals("\u0001", feed("\u0001"));
    }
}
