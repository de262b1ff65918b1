// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvmtrace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a hist trigger's {@code hist} file says: one row per key combination
 * ({@code { common_pid:  417, ecx: 1073741936, write: 1 } hitcount: 3}) and the number of events
 * the table had no room for ({@code Dropped: N} in the totals). Only numeric keys are expected;
 * a row that does not parse is an error, not a silent zero.
 */
public record HistOutput(List<Row> rows, long dropped) {
    public HistOutput {
        rows = List.copyOf(rows);
    }

    /** One key combination (field → value, in the trigger's key order) and its hit count. */
    public record Row(Map<String, Long> keys, long hits) {}

    public static HistOutput parse(String text) {
        List<Row> rows = new ArrayList<>();
        long dropped = 0;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("{")) {
                rows.add(row(line));
            } else if (line.startsWith("Dropped:")) {
                dropped = number(line.substring("Dropped:".length()), line);
            }
        }
        return new HistOutput(rows, dropped);
    }

    private static Row row(String line) {
        int close = line.indexOf('}');
        int hit = line.indexOf("hitcount:", close);
        if (close < 0 || hit < 0) {
            throw new IllegalArgumentException("unexpected hist row: " + line);
        }
        Map<String, Long> keys = new LinkedHashMap<>();
        for (String pair : line.substring(1, close).split(",")) {
            int colon = pair.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("unexpected hist key '" + pair.strip() + "' in: " + line);
            }
            keys.put(pair.substring(0, colon).strip(), number(pair.substring(colon + 1), line));
        }
        String after = line.substring(hit + "hitcount:".length()).strip();
        int end = after.indexOf(' ');
        return new Row(keys, number(end < 0 ? after : after.substring(0, end), line));
    }

    private static long number(String s, String line) {
        try {
            return Long.parseUnsignedLong(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unexpected number '" + s.strip() + "' in hist line: " + line);
        }
    }
}
