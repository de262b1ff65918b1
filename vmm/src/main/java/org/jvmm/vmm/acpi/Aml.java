// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few AML terms a direct-boot DSDT needs, encoded as the ACPI specification's chapter 20
 * ("ACPI Machine Language Specification") defines them, in the same canonical form iasl emits,
 * so that disassembling jvmm's DSDT with {@code iasl -d} and compiling it again gives the same
 * bytes (the test suite checks exactly that). Each method returns the encoded term; terms are
 * concatenated with {@link #concat}.
 */
public final class Aml {
    private Aml() {}

    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int ONES_OP = 0xff;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0a;
    static final int WORD_PREFIX = 0x0b;
    static final int DWORD_PREFIX = 0x0c;
    static final int STRING_PREFIX = 0x0d;
    static final int QWORD_PREFIX = 0x0e;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int EXT_OP_PREFIX = 0x5b;
    static final int DEVICE_OP = 0x82;
    static final int ROOT_CHAR = '\\';
    static final int DUAL_NAME_PREFIX = 0x2e;
    static final int MULTI_NAME_PREFIX = 0x2f;

    /** The bytes of several terms, one after the other (a TermList). */
    public static byte[] concat(byte[]... terms) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] t : terms) {
            out.writeBytes(t);
        }
        return out.toByteArray();
    }

    /**
     * A NameString: an optional root prefix, then 4-character segments separated by dots, each
     * padded with '_' as ASL does ("COM1", "_SB", "\\_SB.COM1"). Segments must be 1 to 4 of
     * A-Z, 0-9, '_' and must not start with a digit (spec 20.2.2, NameSeg).
     */
    public static byte[] name(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String rest = path;
        if (rest.startsWith("\\")) {
            out.write(ROOT_CHAR);
            rest = rest.substring(1);
        }
        String[] segs = rest.isEmpty() ? new String[0] : rest.split("\\.", -1);
        if (segs.length == 2) {
            out.write(DUAL_NAME_PREFIX);
        } else if (segs.length > 2) {
            if (segs.length > 255) {
                throw new IllegalArgumentException("AML name with more than 255 segments: " + path);
            }
            out.write(MULTI_NAME_PREFIX);
            out.write(segs.length);
        }
        for (String s : segs) {
            out.writeBytes(nameSeg(s, path));
        }
        if (segs.length == 0) {
            out.write(0); // NullName: the root itself
        }
        return out.toByteArray();
    }

    private static byte[] nameSeg(String seg, String path) {
        if (seg.isEmpty() || seg.length() > 4 || Character.isDigit(seg.charAt(0))) {
            throw new IllegalArgumentException("bad AML name segment '" + seg + "' in " + path);
        }
        byte[] b = "____".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < seg.length(); i++) {
            char c = seg.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
                throw new IllegalArgumentException("bad AML name segment '" + seg + "' in " + path);
            }
            b[i] = (byte) c;
        }
        return b;
    }

    /**
     * An integer constant in its shortest form, as iasl picks it: Zero, One, Ones (all bits set,
     * which iasl only uses for 0xFFFFFFFFFFFFFFFF) or a byte, word, dword or qword constant.
     */
    public static byte[] integer(long v) {
        if (v == 0) {
            return new byte[] {ZERO_OP};
        } else if (v == 1) {
            return new byte[] {ONE_OP};
        } else if (v == -1L) {
            return new byte[] {(byte) ONES_OP};
        } else if ((v & ~0xffL) == 0) {
            return new byte[] {BYTE_PREFIX, (byte) v};
        } else if ((v & ~0xffffL) == 0) {
            return new byte[] {WORD_PREFIX, (byte) v, (byte) (v >>> 8)};
        } else if ((v & ~0xffff_ffffL) == 0) {
            return concat(new byte[] {DWORD_PREFIX}, le(v, 4));
        }
        return concat(new byte[] {QWORD_PREFIX}, le(v, 8));
    }

    /** A String constant: ASCII characters 0x01-0x7F, NUL-terminated. */
    public static byte[] string(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == 0 || s.charAt(i) > 0x7f) {
                throw new IllegalArgumentException("AML strings are ASCII without NUL: " + s);
            }
        }
        return concat(new byte[] {STRING_PREFIX}, s.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    /**
     * ASL's EISAID("PNP0501"): three upper-case letters and four hex digits compressed into 32
     * bits (5 bits per letter, 'A' = 1), stored big-endian, and emitted as a dword constant.
     */
    public static byte[] eisaId(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
            throw new IllegalArgumentException("not an EISA id: " + id);
        }
        int v = ((id.charAt(0) - '@') << 26) | ((id.charAt(1) - '@') << 21) | ((id.charAt(2) - '@') << 16)
                | Integer.parseInt(id.substring(3), 16);
        return concat(new byte[] {DWORD_PREFIX}, le(Integer.reverseBytes(v) & 0xffff_ffffL, 4));
    }

    /** {@code Name(path, value)}. */
    public static byte[] nameDecl(String path, byte[] value) {
        return concat(new byte[] {NAME_OP}, name(path), value);
    }

    /** {@code Scope(path) { body }}. */
    public static byte[] scope(String path, byte[]... body) {
        return withPkgLength(new byte[] {SCOPE_OP}, concat(name(path), concat(body)));
    }

    /** {@code Device(path) { body }}. */
    public static byte[] device(String path, byte[]... body) {
        return withPkgLength(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, concat(name(path), concat(body)));
    }

    /** {@code Package() { elements }}: at most 255 elements, each a data object. */
    public static byte[] pkg(byte[]... elements) {
        if (elements.length > 255) {
            throw new IllegalArgumentException("a Package holds at most 255 elements");
        }
        return withPkgLength(new byte[] {PACKAGE_OP}, concat(new byte[] {(byte) elements.length}, concat(elements)));
    }

    /** {@code Buffer() { bytes }}, its size given as an integer constant. */
    public static byte[] buffer(byte[] bytes) {
        return withPkgLength(new byte[] {BUFFER_OP}, concat(integer(bytes.length), bytes));
    }

    /**
     * An opcode followed by a PkgLength that counts itself and the body (spec 20.2.4): one byte
     * for lengths below 64, else a lead byte giving the number of following bytes (1-3) and the
     * low nibble, then the remaining bits eight at a time.
     */
    static byte[] withPkgLength(byte[] opcode, byte[] body) {
        int n = body.length;
        byte[] len;
        if (n + 1 < 0x40) {
            len = new byte[] {(byte) (n + 1)};
        } else if (n + 2 < 0x1000) {
            len = encodedLength(n + 2, 1);
        } else if (n + 3 < 0x10_0000) {
            len = encodedLength(n + 3, 2);
        } else if (n + 4 < 0x1000_0000) {
            len = encodedLength(n + 4, 3);
        } else {
            throw new IllegalArgumentException("AML package of " + n + " bytes is too long");
        }
        return concat(opcode, len, body);
    }

    private static byte[] encodedLength(int total, int following) {
        byte[] b = new byte[following + 1];
        b[0] = (byte) ((following << 6) | (total & 0x0f));
        for (int i = 1; i <= following; i++) {
            b[i] = (byte) (total >>> (4 + 8 * (i - 1)));
        }
        return b;
    }

    static byte[] le(long v, int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
