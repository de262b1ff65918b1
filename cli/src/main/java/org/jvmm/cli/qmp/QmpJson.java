// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON as QMP writes and reads it. Output is one line per message with QEMU's spacing
 * ({@code {"return": {}}}: a space after each colon and comma, as qobject_to_json_pretty with
 * pretty off gives) so that transcripts look the same. Input accepts what QEMU's parser accepts
 * beyond strict JSON that clients really send: single-quoted strings. Duplicate keys are refused,
 * as QEMU refuses them.
 */
public final class QmpJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
                    .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private QmpJson() {}

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /**
     * Parses one framed message; every way the bytes can be wrong (syntax, encoding, nesting or
     * number limits) is a {@link JsonProcessingException} with Jackson's reason, without location.
     */
    static JsonNode parse(byte[] message) throws JsonProcessingException {
        try {
            return MAPPER.readTree(message);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            // Reading from memory fails only on content (a decoder's CharConversionException).
            throw new JsonParseException(null, String.valueOf(e.getMessage()));
        }
    }

    public static JsonNode parse(String message) throws JsonProcessingException {
        return parse(message.getBytes(StandardCharsets.UTF_8));
    }

    /** One line of JSON with QEMU's spacing, without the newline. */
    public static String line(JsonNode node) {
        try {
            return MAPPER.writer(new QemuSpacing()).writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain nodes always serialises", e);
        }
    }

    /** {@code {"seconds": s, "microseconds": us}}: QEMU's event timestamp (wall clock). */
    static ObjectNode timestamp(long epochMicros) {
        ObjectNode t = object();
        t.put("seconds", Math.floorDiv(epochMicros, 1_000_000L));
        t.put("microseconds", Math.floorMod(epochMicros, 1_000_000L));
        return t;
    }

    /** The compact form with ", " and ": " between members, as QEMU prints them. */
    private static final class QemuSpacing extends MinimalPrettyPrinter {
        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    }
}
