// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Cutting a byte stream into QMP messages, without a socket. */
class JsonFramerTest {
    private static List<String> feed(JsonFramer f, String text) {
        List<String> out = new ArrayList<>();
        for (JsonFramer.Frame frame : f.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)))) {
            out.add(frame.oversized() ? "<oversized>" : new String(frame.bytes(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void bracketsInsideStringsOfEitherQuoteDoNotCount() {
        JsonFramer f = new JsonFramer(1 << 20);
        assertEquals(List.of("{\"a\": \"}{\\\"]\"}", "{'b': '}\\'{'}", "[{\"c\": [1]}]"),
                feed(f, "{\"a\": \"}{\\\"]\"} {'b': '}\\'{'}\n[{\"c\": [1]}]"));
    }

    @Test
    void topLevelScalarsAndStrayPunctuationAreMessagesOfTheirOwn() {
        JsonFramer f = new JsonFramer(1 << 20);
        assertEquals(List.of("12", "\"s\"", "true", "}", ","), feed(f, "12 \"s\"true }, "));
        assertEquals(List.of("nul"), feed(f, "nul{"));          // the scalar ends where an object starts
        assertEquals(List.of("{}"), feed(f, "}"));
    }

    @Test
    void anyCutOfTheStreamGivesTheSameMessages() {
        String stream = "{\"execute\": \"qmp_capabilities\"}{\"execute\": \"balloon\", \"arguments\": {\"value\": 1}}"
                + " [1, [2]] {\"id\": \"é}\\\\\"} 7 ";
        List<String> whole = feed(new JsonFramer(1 << 20), stream);
        assertEquals(5, whole.size(), whole.toString());
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        Random random = new Random(13);
        for (int round = 0; round < 200; round++) {
            JsonFramer f = new JsonFramer(1 << 20);
            List<String> got = new ArrayList<>();
            int pos = 0;
            List<byte[]> frames = new ArrayList<>();
            while (pos < bytes.length) {
                int n = Math.min(bytes.length - pos, 1 + random.nextInt(7));
                f.feed(ByteBuffer.wrap(bytes, pos, n)).forEach(fr -> frames.add(fr.bytes()));
                pos += n;
            }
            frames.forEach(b -> got.add(new String(b, StandardCharsets.UTF_8)));
            assertEquals(whole, got, "round " + round);
        }
    }

    @Test
    void aMessageOverTheLimitIsReportedOnceAndNothingFollows() {
        JsonFramer f = new JsonFramer(16);
        assertEquals(List.of("{\"a\": 123456789}"), feed(f, "{\"a\": 123456789}")); // exactly 16 bytes
        assertEquals(List.of("<oversized>"), feed(f, "{\"a\": 1234567890}{}"));
        assertTrue(feed(f, "{}").isEmpty(), "a broken stream yields nothing more");
    }
}
