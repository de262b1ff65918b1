// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.nio.file.Path;

/**
 * What a loader leaves behind in guest memory and what the rest of the boot needs to know.
 *
 * @param file           the kernel file, for messages
 * @param format         which loader read it
 * @param entry          guest-physical address of the 64-bit entry point (RIP at boot)
 * @param loadStart      first byte copied into guest memory
 * @param loadEnd        first byte after the copied image (and its zeroed bss, for ELF)
 * @param footprintEnd   first byte after everything the kernel may use while it starts, e.g. the
 *                       bzImage decompression buffer of {@code init_size}; the initrd goes above
 * @param setupHeader    the setup header bytes to copy to zero page offset 0x1F1 (for ELF, a
 *                       minimal header jvmm makes up, as the image has none)
 * @param cmdlineMax     longest command line the kernel accepts, without the NUL
 * @param initrdAddrMax  highest address the initrd's last byte may occupy
 */
public record LoadedKernel(
        Path file,
        Format format,
        long entry,
        long loadStart,
        long loadEnd,
        long footprintEnd,
        byte[] setupHeader,
        int cmdlineMax,
        long initrdAddrMax) {

    public enum Format {
        BZIMAGE,
        ELF
    }

    public LoadedKernel {
        setupHeader = setupHeader.clone();
    }

    @Override
    public byte[] setupHeader() {
        return setupHeader.clone();
    }
}
