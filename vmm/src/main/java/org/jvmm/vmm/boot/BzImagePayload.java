// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import static org.jvmm.vmm.boot.SetupHeader.*;
import static org.jvmm.vmm.memory.GuestMemory.LE_INT;
import static org.jvmm.vmm.memory.GuestMemory.LE_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The compressed vmlinux inside a bzImage, when it is in a format jvmm decompresses itself (gzip
 * or XZ). Boot protocol 2.08 added {@code payload_offset} (from the start of the protected-mode
 * code) and {@code payload_length}; the kernel's build appends the decompressed size as a
 * little-endian u32 after the compressed stream (gzip's own ISIZE field, for gzip).
 *
 * @param compression    the format, from the stream's magic bytes
 * @param offset         file offset of the compressed stream
 * @param streamLength   bytes of the stream proper (XZ: without the appended size)
 * @param payloadLength  {@code payload_length}: what the cache key hashes
 * @param size           the decompressed size the image declares
 */
record BzImagePayload(Compression compression, long offset, long streamLength, long payloadLength, long size) {
    enum Compression { GZIP, XZ }

    static final int PAYLOAD_OFFSET = 0x248; // u32, from the protected-mode code
    static final int PAYLOAD_LENGTH = 0x24c; // u32
    static final int PAYLOAD_VERSION = 0x0208;
    /**
     * Upper bound of a decompressed kernel when {@code init_size} says nothing. A hostile image
     * may declare anything; the decompressed file may never grow past the bound it declares.
     */
    static final long MAX_SIZE = 512L << 20;

    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b, 0x08};
    private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};

    /**
     * The payload of {@code image}, or empty when the header does not locate one or its format
     * is another (LZ4, zstd...): such images boot as they are. A payload whose declared size
     * exceeds {@code init_size} (what the kernel reserves to decompress into) is an error.
     */
    static Optional<BzImagePayload> find(Path file, MemorySegment image) {
        long fileSize = image.byteSize();
        if (fileSize < INIT_SIZE + 4 || image.get(LE_INT, HEADER) != MAGIC_HDRS
                || Short.toUnsignedInt(image.get(LE_SHORT, VERSION)) < PAYLOAD_VERSION
                || HEADER + Byte.toUnsignedInt(image.get(ValueLayout.JAVA_BYTE, JUMP + 1)) < READ_END) {
            return Optional.empty();
        }
        long offset = BzImageLoader.setupBytes(image) + Integer.toUnsignedLong(image.get(LE_INT, PAYLOAD_OFFSET));
        long length = Integer.toUnsignedLong(image.get(LE_INT, PAYLOAD_LENGTH));
        if (length < XZ_MAGIC.length + 4 || length > MAX_SIZE || offset > fileSize || length > fileSize - offset) {
            return Optional.empty();
        }
        Compression compression;
        if (startsWith(image, offset, GZIP_MAGIC)) {
            compression = Compression.GZIP;
        } else if (startsWith(image, offset, XZ_MAGIC)) {
            compression = Compression.XZ;
        } else {
            return Optional.empty();
        }
        long size = Integer.toUnsignedLong(image.get(LE_INT, offset + length - 4));
        long initSize = Integer.toUnsignedLong(image.get(LE_INT, INIT_SIZE));
        long limit = initSize == 0 ? MAX_SIZE : Math.min(initSize, MAX_SIZE);
        if (size > limit) {
            throw new KernelImageException(file, "payload declares %d bytes decompressed, more than the %d it may take"
                    .formatted(size, limit));
        }
        long streamLength = compression == Compression.XZ ? length - 4 : length;
        return Optional.of(new BzImagePayload(compression, offset, streamLength, length, size));
    }

    private static boolean startsWith(MemorySegment image, long offset, byte[] magic) {
        for (int i = 0; i < magic.length; i++) {
            if (image.get(ValueLayout.JAVA_BYTE, offset + i) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
