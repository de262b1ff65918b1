// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.libc;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmm.bindings.probe.CProbe;
import org.junit.jupiter.api.Test;

/**
 * Checks LibC's hand-written constants, the {@link Errno} table and the libc struct layouts
 * against gcc and glibc's headers, the same way the KVM bindings are checked.
 */
class LibcHeaderProbeTest {

    @Test
    void constantsErrnoTableAndLayoutsMatchGlibc() throws Exception {
        CProbe probe = new CProbe("libc", "errno.h", "fcntl.h", "poll.h", "signal.h", "sys/eventfd.h",
                "sys/mman.h", "termios.h", "time.h", "unistd.h");
        Map<String, Long> expected = new LinkedHashMap<>();
        for (Field f : LibC.class.getFields()) {
            boolean constant = Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers())
                    && (f.getType() == int.class || f.getType() == short.class);
            if (constant && f.getName().matches("_?[A-Z][A-Z0-9_]*")) {
                add(probe, expected, f.getName(), f.getName(), ((Number) f.get(null)).longValue());
            }
        }
        for (Errno e : Errno.values()) {
            add(probe, expected, "errno." + e.name(), e.name(), e.number());
        }
        add(probe, expected, "SIGRTMIN", "SIGRTMIN", LibC.SIGRTMIN());
        add(probe, expected, "SIGRTMAX", "SIGRTMAX", LibC.SIGRTMAX());
        add(probe, expected, "sizeof.sigset_t", "sizeof(sigset_t)", SigSet.LAYOUT.byteSize());
        add(probe, expected, "sizeof.pollfd", "sizeof(struct pollfd)", LibC.POLLFD.byteSize());
        for (String field : List.of("fd", "events", "revents")) {
            add(probe, expected, "offsetof.pollfd." + field, "offsetof(struct pollfd, " + field + ")",
                    LibC.POLLFD.byteOffset(groupElement(field)));
        }
        add(probe, expected, "sizeof.timespec", "sizeof(struct timespec)", LibC.TIMESPEC.byteSize());
        add(probe, expected, "offsetof.timespec.tv_nsec", "offsetof(struct timespec, tv_nsec)",
                LibC.TIMESPEC.byteOffset(groupElement("tv_nsec")));
        addStruct(probe, expected, "termios", termios.layout());
        add(probe, expected, "NCCS", "NCCS", termios.NCCS);

        Map<String, String> actual = probe.run();
        List<String> mismatches = new ArrayList<>();
        expected.forEach((key, value) -> {
            if (!Long.toUnsignedString(value).equals(actual.get(key))) {
                mismatches.add(key + ": Java " + value + ", gcc " + actual.get(key));
            }
        });
        System.out.printf("libc probe: %d comparisons%n", expected.size());
        assertEquals(expected.size(), actual.size());
        assertTrue(mismatches.isEmpty(), "differ from glibc:\n  " + String.join("\n  ", mismatches));
    }

    /**
     * Size, alignment, and the offset and size of every named member of a flat struct (arrays
     * through their element 0 too), so a field left out of the Java layout shows as a wrong
     * offset of the next one or a wrong total size.
     */
    private static void addStruct(CProbe probe, Map<String, Long> expected, String tag, GroupLayout layout) {
        String type = "struct " + tag;
        add(probe, expected, "sizeof." + tag, "sizeof(" + type + ")", layout.byteSize());
        add(probe, expected, "alignof." + tag, "_Alignof(" + type + ")", layout.byteAlignment());
        for (MemoryLayout member : layout.memberLayouts()) {
            if (member instanceof PaddingLayout) {
                continue;
            }
            String field = member.name().orElseThrow();
            String access = "((" + type + " *)0)->" + field;
            add(probe, expected, "offsetof." + tag + "." + field, "offsetof(" + type + ", " + field + ")",
                    layout.byteOffset(groupElement(field)));
            add(probe, expected, "sizeof." + tag + "." + field, "sizeof(" + access + ")", member.byteSize());
            if (member instanceof SequenceLayout seq) {
                add(probe, expected, "sizeof." + tag + "." + field + "[0]", "sizeof(" + access + "[0])",
                        seq.elementLayout().byteSize());
            }
        }
    }

    private static void add(CProbe probe, Map<String, Long> expected, String key, String expr, long value) {
        probe.print(key, expr);
        expected.put(key, value);
    }
}
