// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the tests know about the generated package: its struct classes (found by listing the
 * compiled package, not by a hand-kept list), kvm_h's macro methods, and the names in
 * bindings/jextract/kvm.includes, the argument file both generators read.
 */
final class KvmPackage {

    static final Path INCLUDES = Path.of("jextract", "kvm.includes");

    private KvmPackage() {
    }

    /** Every top-level class of org.jvmm.bindings.kvm except kvm_h, sorted by name. */
    static List<Class<?>> structClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path dir = Path.of(kvm_h.class.getResource("kvm_h.class").toURI()).getParent();
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (String file : files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".class") && !f.contains("$") && !f.equals("kvm_h.class"))
                    .sorted().toList()) {
                classes.add(Class.forName(kvm_h.class.getPackageName() + "." + file.replace(".class", "")));
            }
        }
        return classes;
    }

    /** The static {@code layout()} of a generated struct or union class. */
    static GroupLayout layoutOf(Class<?> structClass) {
        try {
            return (GroupLayout) structClass.getMethod("layout").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(structClass.getName() + " has no static layout()", e);
        }
    }

    /** kvm_h's public static no-argument methods named like a C macro (KVM_RUN, KVMIO, ...). */
    static List<Method> macroMethods() {
        return Stream.of(kvm_h.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()))
                .filter(m -> m.getParameterCount() == 0 && m.getName().matches("[A-Z][A-Z0-9_]*"))
                .sorted((a, b) -> a.getName().compareTo(b.getName()))
                .toList();
    }

    /** The value a macro method returns, widened to long (int values sign-extend, as in C). */
    static long macroValue(Method m) {
        try {
            return ((Number) m.invoke(null)).longValue();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("kvm_h." + m.getName() + "() failed", e);
        }
    }

    /** The names following {@code option} (e.g. {@code --include-struct}) in kvm.includes. */
    static List<String> included(String option) throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(INCLUDES)) {
            String[] words = line.replaceFirst("#.*", "").trim().split("\\s+");
            if (words.length == 2 && words[0].equals(option)) {
                names.add(words[1]);
            }
        }
        return names;
    }
}
