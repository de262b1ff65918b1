// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** Reads the version Maven wrote into version.properties at build time. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            "jvmm " + jvmmVersion(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"
        };
    }

    /** jvmm's version, or "unknown" in a build without version.properties. */
    public static String jvmmVersion() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // a resource inside our own jar: unreadable only if the jar is broken
        }
        return p.getProperty("version", "unknown");
    }
}
