// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.nio.file.Path;
import org.jvmm.vmm.VmmException;

/**
 * A kernel or initrd file that cannot be booted: not a kernel, truncated, too old, or too large
 * for the guest. The message is one line, starts with the file and says what is wrong.
 */
public final class KernelImageException extends VmmException {
    private final Path file;

    public KernelImageException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
