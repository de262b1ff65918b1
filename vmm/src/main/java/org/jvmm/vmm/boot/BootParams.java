// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.memory.GuestMemory.LE_INT;
import static org.jvmm.vmm.memory.GuestMemory.LE_LONG;
import static org.jvmm.vmm.memory.GuestMemory.LE_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * The zero page (struct boot_params, arch/x86/include/uapi/asm/bootparam.h) built in a 4 KiB
 * buffer, then written to guest memory in one go. Only what a directly booted kernel reads is
 * set; everything else stays zero, including {@code sentinel} at 0x1EF, which tells the kernel
 * the loader cleared the page.
 */
public final class BootParams {
    public static final int SIZE = 4096;

    /** struct boot_params.acpi_rsdp_addr: where the kernel finds the RSDP without scanning. */
    static final int ACPI_RSDP_ADDR = 0x070;
    static final int EXT_RAMDISK_IMAGE = 0x0c0;
    static final int EXT_RAMDISK_SIZE = 0x0c4;
    static final int EXT_CMD_LINE_PTR = 0x0c8;
    static final int E820_ENTRIES = 0x1e8;
    static final int SENTINEL = 0x1ef;
    static final int E820_TABLE = 0x2d0;

    /**
     * heap_end_ptr is relative to the real-mode segment the setup code would run in; the 64-bit
     * entry never runs that code, so jvmm passes the conventional value (0xfe00 = 0x10000 minus
     * the 0x200 stack), as loaders that do run it would.
     */
    static final int HEAP_END = 0xfe00;

    private final byte[] page = new byte[SIZE];
    private final MemorySegment view = MemorySegment.ofArray(page);

    /** Starts from the kernel's setup header, marked as loaded by an undefined loader. */
    public BootParams(LoadedKernel kernel) {
        byte[] header = kernel.setupHeader();
        if (header.length > SetupHeader.AREA_END - SetupHeader.START) {
            throw new IllegalArgumentException("setup header of %d bytes is too long".formatted(header.length));
        }
        System.arraycopy(header, 0, page, SetupHeader.START, header.length);
        page[SetupHeader.TYPE_OF_LOADER] = SetupHeader.LOADER_UNDEFINED;
        page[SetupHeader.LOADFLAGS] |= (byte) SetupHeader.CAN_USE_HEAP;
        view.set(LE_SHORT, SetupHeader.HEAP_END_PTR, (short) HEAP_END);
    }

    public BootParams cmdline(long gpa) {
        view.set(LE_INT, SetupHeader.CMD_LINE_PTR, (int) gpa);
        view.set(LE_INT, EXT_CMD_LINE_PTR, (int) (gpa >>> 32));
        return this;
    }

    public BootParams ramdisk(long gpa, long size) {
        view.set(LE_INT, SetupHeader.RAMDISK_IMAGE, (int) gpa);
        view.set(LE_INT, EXT_RAMDISK_IMAGE, (int) (gpa >>> 32));
        view.set(LE_INT, SetupHeader.RAMDISK_SIZE, (int) size);
        view.set(LE_INT, EXT_RAMDISK_SIZE, (int) (size >>> 32));
        return this;
    }

    public BootParams acpiRsdp(long gpa) {
        view.set(LE_LONG, ACPI_RSDP_ADDR, gpa);
        return this;
    }

    public BootParams e820(E820Map map) {
        var entries = map.entries();
        page[E820_ENTRIES] = (byte) entries.size();
        for (int i = 0; i < entries.size(); i++) {
            long at = E820_TABLE + (long) i * E820Map.ENTRY_SIZE;
            view.set(LE_LONG, at, entries.get(i).addr());
            view.set(LE_LONG, at + 8, entries.get(i).size());
            view.set(LE_INT, at + 16, entries.get(i).type());
        }
        return this;
    }

    public byte[] bytes() {
        return page.clone();
    }

    public void writeTo(GuestMemory mem, long gpa) {
        mem.write(gpa, page);
    }

    /** A byte of the page, for tests and diagnostics. */
    byte byteAt(int offset) {
        return view.get(ValueLayout.JAVA_BYTE, offset);
    }
}
