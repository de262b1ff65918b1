// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

/** Placeholder entry point until the picocli front end lands. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("jvmm");
    }
}
