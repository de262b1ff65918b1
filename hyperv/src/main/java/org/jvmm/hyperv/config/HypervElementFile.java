// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.config;

import java.nio.file.Path;

import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.w3c.dom.Element;

/** A file holding just a libvirt {@code <hyperv>} element, e.g. for {@code --hyperv-xml}. */
public final class HypervElementFile {
    private HypervElementFile() {
    }

    public static HvConfig parse(Path file) {
        Element root = SafeXml.parse(file).getDocumentElement();
        if (!root.getTagName().equals("hyperv")) {
            throw new HvConfigException(file + ": root element is <" + root.getTagName()
                    + ">, expected <hyperv>");
        }
        try {
            return LibvirtHyperv.parse(root);
        } catch (HvConfigException e) {
            throw new HvConfigException(file + ": " + e.getMessage(), e);
        }
    }
}
