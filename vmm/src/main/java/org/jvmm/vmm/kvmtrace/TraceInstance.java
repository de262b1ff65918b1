// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvmtrace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A tracefs instance ({@code instances/NAME}) of this process's own: its own event switches,
 * triggers and pid filter, so nothing another tracer set up is touched, and removing it undoes
 * everything. Named {@code jvmm-PID-N}; instances a dead jvmm left behind (killed before it
 * could remove them) are removed when the next one is made.
 */
final class TraceInstance implements AutoCloseable {
    static final Path DEFAULT_ROOT = Path.of("/sys/kernel/tracing");
    private static final String PREFIX = "jvmm-";

    private final Path dir;

    private TraceInstance(Path dir) {
        this.dir = dir;
    }

    static TraceInstance create(Path root, long serial) throws TraceUnavailableException {
        Path instances = root.resolve("instances");
        if (!Files.isDirectory(root.resolve("events"))) {
            throw new TraceUnavailableException(root + " is not a mounted tracefs"
                    + " (mount -t tracefs tracefs " + root + ")");
        }
        if (!Files.isDirectory(instances)) {
            throw new TraceUnavailableException(root + " has no instances/ (a kernel before 4.x tracing instances)");
        }
        removeStale(instances);
        Path dir = instances.resolve(PREFIX + ProcessHandle.current().pid() + "-" + serial);
        try {
            Files.createDirectory(dir);
        } catch (AccessDeniedException e) {
            throw new TraceUnavailableException("cannot create a trace instance in " + instances
                    + ": permission denied (tracefs needs root)");
        } catch (IOException e) {
            throw new TraceUnavailableException("cannot create the trace instance " + dir + ": " + reason(e));
        }
        return new TraceInstance(dir);
    }

    /** Instances whose jvmm process no longer exists. */
    private static void removeStale(Path instances) {
        try (DirectoryStream<Path> all = Files.newDirectoryStream(instances, PREFIX + "*")) {
            for (Path p : all) {
                String[] parts = p.getFileName().toString().split("-");
                try {
                    if (parts.length == 3 && ProcessHandle.of(Long.parseLong(parts[1])).isEmpty()) {
                        Files.deleteIfExists(p);
                    }
                } catch (NumberFormatException | IOException e) {
                    // Not ours after all, or busy: leave it.
                }
            }
        } catch (IOException e) {
            // Listing failed: creating ours will say why, if it matters.
        }
    }

    Path dir() {
        return dir;
    }

    String read(String relative) throws IOException {
        return Files.readString(dir.resolve(relative), StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code text} as one write(2): tracefs takes one command per write. Never with
     * O_TRUNC, which on a {@code trigger} file removes every trigger and on
     * {@code set_event_pid} empties the list; without it, pids written add to the list.
     */
    void write(String relative, String text) throws IOException {
        Files.write(dir.resolve(relative), text.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
    }

    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file " + e.getMessage();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Removes the instance; the kernel drops its triggers, filters and buffers with it. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // Still busy (a reader open elsewhere): the next jvmm's removeStale takes it.
        }
    }
}
