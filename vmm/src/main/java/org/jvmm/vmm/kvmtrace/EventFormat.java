// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvmtrace;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fields of a trace event, from its tracefs {@code format} file (lines such as
 * {@code field:u32 ecx;	offset:12;	size:4;	signed:0;}), without the {@code common_*} header
 * every event shares. Read at run time, so a kernel that renames or drops a field is noticed
 * rather than mis-keyed.
 */
public record EventFormat(String name, List<String> fields) {
    private static final Pattern FIELD = Pattern.compile("^\\s*field:[^;]*?([A-Za-z_][A-Za-z0-9_]*)(\\[[^]]*])?;");

    public EventFormat {
        fields = List.copyOf(fields);
    }

    public static EventFormat parse(String name, String format) {
        List<String> fields = new ArrayList<>();
        for (String line : format.split("\n")) {
            Matcher m = FIELD.matcher(line);
            if (m.find() && !m.group(1).startsWith("common_")) {
                fields.add(m.group(1));
            }
        }
        return new EventFormat(name, fields);
    }

    public boolean has(String field) {
        return fields.contains(field);
    }
}
