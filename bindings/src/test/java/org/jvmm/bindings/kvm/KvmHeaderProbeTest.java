// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmm.bindings.probe.CProbe;
import org.junit.jupiter.api.Test;

/**
 * Proves the bindings against the kernel headers: every struct layout (size, alignment and the
 * offset and size of every named field, however deeply nested) and every kvm_h macro value is
 * compared with what gcc computes from {@code <linux/kvm.h>} on this machine.
 *
 * <p>The field paths come from walking {@code layout()} itself, so a field added to a layout is
 * checked without touching this test; anonymous unions ({@code $anon$...}) add no path component,
 * exactly as in C, and array elements are checked through element 0.
 */
class KvmHeaderProbeTest {

    @Test
    void everyStructLayoutMatchesGcc() throws Exception {
        CProbe probe = new CProbe("kvm-layout", "linux/kvm.h");
        Map<String, Long> expected = new LinkedHashMap<>();
        List<Class<?>> classes = KvmPackage.structClasses();
        for (Class<?> c : classes) {
            GroupLayout layout = KvmPackage.layoutOf(c);
            String type = (layout instanceof UnionLayout ? "union " : "struct ") + c.getSimpleName();
            check(probe, expected, type + " sizeof", "sizeof(" + type + ")", layout.byteSize());
            check(probe, expected, type + " alignof", "_Alignof(" + type + ")", layout.byteAlignment());
            walk(probe, expected, type, layout, "", 0);
        }
        System.out.printf("kvm layout probe: %d structs, %d size/offset comparisons%n", classes.size(), expected.size());
        compare(expected, probe.run());
    }

    @Test
    void everyKvmHMacroMatchesGcc() throws Exception {
        CProbe probe = new CProbe("kvm-macros", "linux/kvm.h");
        Map<String, Long> expected = new LinkedHashMap<>();
        for (Method m : KvmPackage.macroMethods()) {
            check(probe, expected, m.getName(), m.getName(), KvmPackage.macroValue(m));
        }
        System.out.printf("kvm macro probe: %d constants%n", expected.size());
        assertTrue(expected.size() > 400, "kvm_h has only " + expected.size() + " macros");
        compare(expected, probe.run());
    }

    @Test
    void everyOffsetMethodAgreesWithItsLayout() throws Exception {
        int checked = 0;
        List<Class<?>> pending = new ArrayList<>(KvmPackage.structClasses());
        while (!pending.isEmpty()) {
            Class<?> c = pending.removeFirst();
            pending.addAll(List.of(c.getDeclaredClasses()));
            Map<String, Long> visible = new LinkedHashMap<>();
            visibleFields(KvmPackage.layoutOf(c), 0, visible);
            for (Map.Entry<String, Long> field : visible.entrySet()) {
                Method offset = c.getMethod(field.getKey() + "$offset");
                assertTrue(Modifier.isStatic(offset.getModifiers()), offset.toString());
                assertEquals(field.getValue(), (long) offset.invoke(null), c.getName() + "." + offset.getName());
                checked++;
            }
            long offsetMethods = List.of(c.getDeclaredMethods()).stream()
                    .filter(m -> m.getName().endsWith("$offset")).count();
            assertEquals(visible.size(), offsetMethods, c.getName() + ": $offset methods vs named fields");
        }
        System.out.printf("offset methods checked: %d%n", checked);
    }

    /** Adds a probe line and its expected value, keyed by a readable description. */
    private static void check(CProbe probe, Map<String, Long> expected, String key, String cExpr, long value) {
        String k = key.replace(' ', '_');
        probe.print(k, cExpr);
        expected.put(k, value);
    }

    private static void walk(CProbe probe, Map<String, Long> expected, String type,
                             GroupLayout group, String prefix, long base) {
        long offset = base;
        for (MemoryLayout member : group.memberLayouts()) {
            long at = group instanceof StructLayout ? offset : base;
            offset += group instanceof StructLayout ? member.byteSize() : 0;
            if (member instanceof PaddingLayout) {
                continue;
            }
            String name = member.name().orElseThrow(() -> new AssertionError(type + ": unnamed member in " + group));
            if (name.startsWith("$anon$")) {
                walk(probe, expected, type, (GroupLayout) member, prefix, at);
                continue;
            }
            String path = prefix + name;
            String field = "((" + type + " *)0)->" + path;
            check(probe, expected, type + " offsetof " + path, "offsetof(" + type + ", " + path + ")", at);
            if (member instanceof SequenceLayout seq) {
                if (seq.elementCount() > 0) {   // sizeof a flexible array member is not C
                    check(probe, expected, type + " sizeof " + path, "sizeof(" + field + ")", seq.byteSize());
                }
                MemoryLayout element = seq.elementLayout();
                String elementPath = path + "[0]";
                while (element instanceof SequenceLayout inner) {
                    element = inner.elementLayout();
                    elementPath += "[0]";
                }
                check(probe, expected, type + " sizeof " + elementPath,
                        "sizeof(((" + type + " *)0)->" + elementPath + ")", element.byteSize());
                if (element instanceof GroupLayout g) {
                    walk(probe, expected, type, g, elementPath + ".", at);
                }
            } else {
                check(probe, expected, type + " sizeof " + path, "sizeof(" + field + ")", member.byteSize());
                if (member instanceof GroupLayout g) {
                    walk(probe, expected, type, g, path + ".", at);
                }
            }
        }
    }

    /** Names a class gives accessors to: its members plus those of its anonymous unions/structs. */
    private static void visibleFields(GroupLayout group, long base, Map<String, Long> out) {
        long offset = base;
        for (MemoryLayout member : group.memberLayouts()) {
            long at = group instanceof StructLayout ? offset : base;
            offset += group instanceof StructLayout ? member.byteSize() : 0;
            if (member instanceof PaddingLayout) {
                continue;
            }
            String name = member.name().orElseThrow();
            if (name.startsWith("$anon$")) {
                visibleFields((GroupLayout) member, at, out);
            } else {
                assertEquals(at, group.byteOffset(groupElement(name)) + base, name);
                out.put(name, at);
            }
        }
    }

    private static void compare(Map<String, Long> expected, Map<String, String> actual) {
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            String java = Long.toUnsignedString(e.getValue());
            String c = actual.get(e.getKey());
            if (!java.equals(c)) {
                mismatches.add(e.getKey() + ": Java " + java + ", gcc " + c);
            }
        }
        assertEquals(expected.size(), actual.size(), "probe line count");
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + expected.size()
                + " values differ from gcc:\n  " + String.join("\n  ", mismatches.subList(0, Math.min(40, mismatches.size()))));
    }
}
