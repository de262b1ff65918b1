// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the greeting and {@code query-version} say: a QEMU version and a package string.
 *
 * <p>jvmm claims QEMU 7.2.0 because its QMP is 7.2's for every command and event it has
 * (query-status still carries {@code singlestep}, which 8.1 deprecated), and clients such as
 * libvirt and the qemu.qmp Python package choose their behaviour from these numbers. The real
 * identity is in {@code package}, where QEMU puts its distribution's build string
 * ({@code "Debian 1:7.2+dfsg-7"}): {@code "jvmm 0.1.0"}.
 */
public record QmpVersion(int major, int minor, int micro, String pkg) {
    public static final int QEMU_MAJOR = 7;
    public static final int QEMU_MINOR = 2;
    public static final int QEMU_MICRO = 0;

    /** The version jvmm reports, with its own version in {@code package}. */
    public static QmpVersion of(String jvmmVersion) {
        return new QmpVersion(QEMU_MAJOR, QEMU_MINOR, QEMU_MICRO, "jvmm " + jvmmVersion);
    }

    /** QEMU's VersionInfo: {@code {"qemu": {"micro", "minor", "major"}, "package"}}, in QEMU's order. */
    ObjectNode node() {
        ObjectNode v = QmpJson.object();
        ObjectNode qemu = v.putObject("qemu");
        qemu.put("micro", micro);
        qemu.put("minor", minor);
        qemu.put("major", major);
        v.put("package", pkg);
        return v;
    }
}
