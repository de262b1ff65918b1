// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import java.io.ByteArrayOutputStream;

/**
 * ASL's {@code ResourceTemplate() { ... }}: the small resource descriptors of the ACPI
 * specification's section 6.4.2 that legacy devices use in their {@code _CRS}, closed by an end
 * tag, as the buffer iasl would compile.
 *
 * <pre>{@code
 * byte[] crs = new ResourceTemplate().io(0x3f8, 8).irq(4).buffer();
 * }</pre>
 */
public final class ResourceTemplate {
    /** Small item tags: (type << 3) | length of the body. */
    static final int IRQ_NO_FLAGS = 0x22;
    static final int IO_PORT = 0x47;
    static final int END_TAG = 0x79;
    /** Large item: 32-bit fixed memory range, with a 9-byte body. */
    static final int MEMORY32_FIXED = 0x86;
    /** IO descriptor information byte: the device decodes all 16 address bits. */
    static final int DECODE_16 = 1;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** {@code IO(Decode16, base, base, 1, length)}: a fixed range of {@code length} ports. */
    public ResourceTemplate io(int base, int length) {
        if (base < 0 || base > 0xffff || length < 1 || length > 0xff) {
            throw new IllegalArgumentException("IO descriptor 0x%x/%d out of range".formatted(base, length));
        }
        out.writeBytes(new byte[] {IO_PORT, DECODE_16, (byte) base, (byte) (base >>> 8),
            (byte) base, (byte) (base >>> 8), 1, (byte) length});
        return this;
    }

    /** {@code IRQNoFlags() {irq}}: an ISA interrupt, edge-triggered and active high. */
    public ResourceTemplate irq(int irq) {
        if (irq < 0 || irq > 15) {
            throw new IllegalArgumentException("ISA IRQ " + irq + " out of range");
        }
        int mask = 1 << irq;
        out.writeBytes(new byte[] {IRQ_NO_FLAGS, (byte) mask, (byte) (mask >>> 8)});
        return this;
    }

    /**
     * {@code Memory32Fixed(ReadOnly or ReadWrite, base, length)}: a range of physical memory the
     * device decodes, such as a register block.
     */
    public ResourceTemplate memory32Fixed(boolean writable, long base, long length) {
        if (base < 0 || base > 0xffff_ffffL || length < 1 || length > 0xffff_ffffL) {
            throw new IllegalArgumentException("Memory32Fixed 0x%x/0x%x out of range".formatted(base, length));
        }
        out.writeBytes(new byte[] {(byte) MEMORY32_FIXED, 9, 0, (byte) (writable ? 1 : 0),
            (byte) base, (byte) (base >>> 8), (byte) (base >>> 16), (byte) (base >>> 24),
            (byte) length, (byte) (length >>> 8), (byte) (length >>> 16), (byte) (length >>> 24)});
        return this;
    }

    /** The descriptors and the end tag (its checksum 0, "not computed", as iasl writes it). */
    public byte[] bytes() {
        return Aml.concat(out.toByteArray(), new byte[] {END_TAG, 0});
    }

    /** The template as an AML Buffer, ready for {@code Name(_CRS, ...)}. */
    public byte[] buffer() {
        return Aml.buffer(bytes());
    }
}
