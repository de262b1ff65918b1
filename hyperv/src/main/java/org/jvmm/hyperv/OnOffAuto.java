// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

/** QEMU's OnOffAuto property type (used by hv-no-nonarch-coresharing). */
public enum OnOffAuto {
    ON, OFF, AUTO
}
