// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decompressed kernels, as Firecracker boots them: a bzImage whose payload is gzip or XZ is
 * decompressed once on the host into an ELF vmlinux, which later boots load directly. Under
 * emulation (the lab) the guest's own XZ decompression is seconds of every boot.
 *
 * <p>Entries are named by the SHA-256 of the payload ({@code <sha>.vmlinux}). Hashing 8 MB on
 * every boot would cost more than it saves in an interpreted JVM, so a second, tiny file
 * ({@code <sha of the file's identity>.ref}) remembers the payload hash of a file as long as its
 * path, device, inode, size, mtime and ctime are unchanged. Every file is written to a temporary
 * name and renamed into place, so readers see whole files or none. A directory that cannot be
 * used, a heap too small for the XZ dictionary, or an interpreter-only JVM (which would take
 * minutes to hash and decompress) makes the boot fall back to the bzImage with one DEBUG line:
 * the cache is an optimisation, never a reason to fail. Booting the vmlinux skips the
 * decompressor's KASLR, as with any vmlinux boot.
 *
 * <p>Where: {@code $JVMM_KERNEL_CACHE} (a directory, or {@code off}), else
 * {@code $XDG_CACHE_HOME/jvmm/kernels}, else {@code ~/.cache/jvmm/kernels}.
 */
public final class KernelCache {
    private static final Logger LOG = LoggerFactory.getLogger(KernelCache.class);
    public static final String ENV = "JVMM_KERNEL_CACHE";
    static final String OFF = "off";

    /** -Xint: SHA-256 of an 8 MB payload alone took 20 s on the build host (0.27 s with the JIT). */
    private static final boolean INTERPRETED = String.valueOf(System.getProperty("java.vm.info")).startsWith("interpreted");

    private final Path dir; // null: off

    private KernelCache(Path dir) {
        this.dir = dir;
    }

    public static KernelCache at(Path dir) {
        return new KernelCache(dir);
    }

    public static KernelCache off() {
        return new KernelCache(null);
    }

    /** The cache this process's environment selects (see the class comment). */
    public static KernelCache fromEnvironment() {
        return resolve(System.getenv(), System.getProperty("user.home"));
    }

    static KernelCache resolve(Map<String, String> env, String home) {
        String chosen = env.get(ENV);
        if (chosen != null && !chosen.isEmpty()) {
            return chosen.equals(OFF) ? off() : at(Path.of(chosen));
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && Path.of(xdg).isAbsolute()) { // the XDG spec ignores relative paths
            return at(Path.of(xdg, "jvmm", "kernels"));
        }
        return home == null || home.isEmpty() ? off() : at(Path.of(home, ".cache", "jvmm", "kernels"));
    }

    public Optional<Path> directory() {
        return Optional.ofNullable(dir);
    }

    /**
     * The decompressed vmlinux of bzImage {@code file} (mapped as {@code image}), from the cache
     * or made now; empty when the image has no payload jvmm decompresses, the cache is off, or it
     * cannot be used. A corrupt payload is a {@link KernelImageException}.
     */
    Optional<Path> vmlinuxFor(Path file, MemorySegment image) {
        if (dir == null) {
            return Optional.empty();
        }
        Optional<BzImagePayload> found = BzImagePayload.find(file, image);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        BzImagePayload payload = found.get();
        try {
            Path ref = dir.resolve(sha256(identity(file).getBytes(StandardCharsets.UTF_8)) + ".ref");
            Optional<Path> known = remembered(ref, payload);
            if (known.isPresent()) {
                LOG.debug("{}: booting its decompressed kernel {}", file, known.get());
                return known;
            }
            if (INTERPRETED) {
                LOG.debug("kernel cache {} not filled: an interpreter-only JVM (-Xint) would take minutes to hash and"
                        + " decompress {}; booting it as a bzImage", dir, file);
                return Optional.empty();
            }
            // Cheap reasons to step aside first, before hashing 8 MB and allocating XZ's dictionary.
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                throw new IOException("not writable");
            }
            PayloadDecompressor.checkHeap(file, image, payload);
            Path vmlinux = dir.resolve(sha256(image.asSlice(payload.offset(), payload.payloadLength())) + ".vmlinux");
            if (!isComplete(vmlinux, payload)) {
                fill(file, image, payload, vmlinux);
            }
            writeAtomically(ref, vmlinux.getFileName().toString().getBytes(StandardCharsets.US_ASCII));
            return Optional.of(vmlinux);
        } catch (IOException | PayloadDecompressor.NotEnoughHeapException e) {
            // DEBUG: a read-only home (the lab's) is normal, and a run's stderr stays its own.
            LOG.debug("kernel cache {} not used ({}); booting {} as a bzImage", dir, oneLine(e), file);
            return Optional.empty();
        }
    }

    private Optional<Path> remembered(Path ref, BzImagePayload payload) throws IOException {
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        String name = new String(Files.readAllBytes(ref), StandardCharsets.US_ASCII).strip();
        if (!name.matches("[0-9a-f]{64}\\.vmlinux")) {
            return Optional.empty();
        }
        Path vmlinux = dir.resolve(name);
        return isComplete(vmlinux, payload) ? Optional.of(vmlinux) : Optional.empty();
    }

    private static boolean isComplete(Path vmlinux, BzImagePayload payload) throws IOException {
        return Files.isRegularFile(vmlinux) && Files.size(vmlinux) == payload.size();
    }

    private void fill(Path file, MemorySegment image, BzImagePayload payload, Path vmlinux)
            throws IOException, PayloadDecompressor.NotEnoughHeapException {
        long start = System.nanoTime();
        Path tmp = Files.createTempFile(dir, ".fill-", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                PayloadDecompressor.decompress(file, image, payload, out);
            }
            Files.move(tmp, vmlinux, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        LOG.info("decompressed the {} kernel of {} into {} ({} MiB, {} ms)", payload.compression(), file, vmlinux,
                payload.size() >> 20, (System.nanoTime() - start) / 1_000_000);
    }

    private void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = Files.createTempFile(dir, ".ref-", ".tmp");
        try {
            Files.write(tmp, content);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** What changes whenever the file's content may have: ctime cannot be set back by users. */
    static String identity(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
        return String.join("\n", file.toRealPath().toString(), String.valueOf(a.get("dev")), String.valueOf(a.get("ino")),
                String.valueOf(a.get("size")), String.valueOf(a.get("lastModifiedTime")), String.valueOf(a.get("ctime")));
    }

    static String sha256(byte[] data) {
        return sha256(MemorySegment.ofArray(data));
    }

    static String sha256(MemorySegment data) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data.asByteBuffer());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
    }
}
