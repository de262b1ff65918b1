// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.MemoryLimitException;
import org.tukaani.xz.SingleXZInputStream;

/**
 * Streams a bzImage payload through gzip (the JDK's zlib) or XZ (org.tukaani:xz) into a file,
 * never holding the output on the heap, and never writing more than the size the image declares.
 */
final class PayloadDecompressor {
    private static final int BUFFER = 1 << 16;

    private PayloadDecompressor() {}

    /** The XZ dictionary would not fit in the heap this JVM has left: not the image's fault. */
    static final class NotEnoughHeapException extends Exception {
        NotEnoughHeapException(String message) {
            super(message);
        }
    }

    /**
     * Writes the decompressed payload to {@code out}. A corrupt stream, or one that decompresses
     * to other than {@link BzImagePayload#size()} bytes, is a {@link KernelImageException} naming
     * {@code file}; an IOException is {@code out}'s.
     */
    static void decompress(Path file, MemorySegment image, BzImagePayload payload, OutputStream out)
            throws IOException, NotEnoughHeapException {
        String format = payload.compression() == BzImagePayload.Compression.XZ ? "XZ" : "gzip";
        InputStream compressed = new SegmentInputStream(image.asSlice(payload.offset(), payload.streamLength()));
        long written = 0;
        try (InputStream in = decoded(file, format, payload, compressed)) {
            byte[] buffer = new byte[BUFFER];
            for (int n; (n = read(file, format, in, buffer)) > 0; ) {
                if (n > payload.size() - written) {
                    throw corrupt(file, format, "decompresses to more than the %d bytes it declares".formatted(payload.size()));
                }
                out.write(buffer, 0, n);
                written += n;
            }
        }
        if (written != payload.size()) {
            throw corrupt(file, format, "decompresses to %d bytes, declares %d".formatted(written, payload.size()));
        }
    }

    /**
     * Starts decoding and stops: XZ allocates its dictionary before the first byte comes out, so
     * a heap too small shows here, before anything slower (hashing, writing) is spent on it.
     */
    static void checkHeap(Path file, MemorySegment image, BzImagePayload payload) throws NotEnoughHeapException {
        if (payload.compression() != BzImagePayload.Compression.XZ) {
            return; // zlib's 32 KiB window lives outside the heap
        }
        String format = "XZ";
        InputStream compressed = new SegmentInputStream(image.asSlice(payload.offset(), payload.streamLength()));
        try (InputStream in = decoded(file, format, payload, compressed)) {
            read(file, format, in, new byte[1]);
        } catch (IOException e) {
            throw corrupt(file, format, String.valueOf(e.getMessage()));
        }
    }

    /** Every IOException from the decoder is the image's fault, except running out of heap. */
    private static int read(Path file, String format, InputStream in, byte[] buffer) throws NotEnoughHeapException {
        try {
            return in.read(buffer);
        } catch (MemoryLimitException e) {
            throw new NotEnoughHeapException("XZ needs %d KiB of heap, %d KiB are free"
                    .formatted(e.getMemoryNeeded(), e.getMemoryLimit()));
        } catch (IOException e) {
            throw corrupt(file, format, String.valueOf(e.getMessage()));
        } catch (OutOfMemoryError e) {
            throw new NotEnoughHeapException("out of heap while decompressing");
        }
    }

    private static InputStream decoded(Path file, String format, BzImagePayload payload, InputStream compressed) {
        try {
            if (payload.compression() == BzImagePayload.Compression.GZIP) {
                return new GZIPInputStream(compressed, BUFFER);
            }
            // The dictionary (32 MiB for Linux's xz_wrap.sh) is allocated on the heap: bound it
            // by what is free, so a small -Xmx makes the cache step aside instead of failing.
            Runtime rt = Runtime.getRuntime();
            long freeKiB = (rt.maxMemory() - (rt.totalMemory() - rt.freeMemory())) / 1024 * 3 / 4;
            return new SingleXZInputStream(compressed, (int) Math.min(freeKiB, Integer.MAX_VALUE));
        } catch (IOException e) {
            throw corrupt(file, format, String.valueOf(e.getMessage()));
        }
    }

    private static KernelImageException corrupt(Path file, String format, String why) {
        return new KernelImageException(file, "corrupt %s payload: %s".formatted(format, why));
    }

    /** Reads a memory segment (the mapped image) in bulk. */
    private static final class SegmentInputStream extends InputStream {
        private final MemorySegment segment;
        private long position;

        SegmentInputStream(MemorySegment segment) {
            this.segment = segment;
        }

        @Override
        public int read() {
            return position < segment.byteSize() ? Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, position++)) : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long left = segment.byteSize() - position;
            if (len == 0) {
                return 0;
            }
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, position, b, off, n);
            position += n;
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(segment.byteSize() - position, Integer.MAX_VALUE);
        }
    }
}
