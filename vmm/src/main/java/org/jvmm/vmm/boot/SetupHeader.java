// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

/**
 * Offsets and flags of struct setup_header, as they appear both in a bzImage file and in the zero
 * page (the header sits at offset 0x1F1 in each). Source: Documentation/arch/x86/boot.rst
 * ("The real-mode kernel header") and arch/x86/include/uapi/asm/bootparam.h.
 */
final class SetupHeader {
    private SetupHeader() {}

    static final int START = 0x1f1;
    /** boot_params.edd_mbr_sig_buffer follows the header area; a copy never goes past it. */
    static final int AREA_END = 0x290;

    static final int SETUP_SECTS = 0x1f1; // u8, 0 means 4
    static final int SYSSIZE = 0x1f4; // u32, protected-mode size in 16-byte paragraphs
    static final int BOOT_FLAG = 0x1fe; // u16, 0xAA55
    static final int JUMP = 0x200; // u16 jmp; its second byte + 0x202 is the header end
    static final int HEADER = 0x202; // "HdrS"
    static final int VERSION = 0x206; // u16, major << 8 | minor
    static final int TYPE_OF_LOADER = 0x210; // u8
    static final int LOADFLAGS = 0x211; // u8
    static final int CODE32_START = 0x214; // u32
    static final int RAMDISK_IMAGE = 0x218; // u32
    static final int RAMDISK_SIZE = 0x21c; // u32
    static final int HEAP_END_PTR = 0x224; // u16, offset from the real-mode segment
    static final int CMD_LINE_PTR = 0x228; // u32
    static final int INITRD_ADDR_MAX = 0x22c; // u32
    static final int KERNEL_ALIGNMENT = 0x230; // u32
    static final int RELOCATABLE_KERNEL = 0x234; // u8
    static final int XLOADFLAGS = 0x236; // u16
    static final int CMDLINE_SIZE = 0x238; // u32
    static final int PREF_ADDRESS = 0x258; // u64
    static final int INIT_SIZE = 0x260; // u32
    /** The last field the loader reads; a header shorter than this is from a pre-2.10 kernel. */
    static final int READ_END = INIT_SIZE + 4;

    static final int MAGIC_HDRS = 0x53726448; // "HdrS" little-endian
    static final short BOOT_FLAG_VALUE = (short) 0xaa55;

    static final int LOADED_HIGH = 0x01;
    static final int CAN_USE_HEAP = 0x80;
    static final int XLF_KERNEL_64 = 0x01;

    /** "Undefined" boot loader id, for loaders without an assigned one. */
    static final byte LOADER_UNDEFINED = (byte) 0xff;

    /** Oldest protocol with a 32-bit cmdline_size field and relocatable kernels. */
    static final int MIN_VERSION = 0x0206;

    static String version(int v) {
        return "%d.%02d".formatted(v >>> 8, v & 0xff);
    }
}
