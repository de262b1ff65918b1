// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.jvmm.bindings.libc.ErrnoException;
import org.jvmm.bindings.libc.LibC;

/**
 * File-descriptor and mapping calls of the core. Most delegate to the bindings' {@link LibC};
 * the ones LibC lacks ({@code ftruncate}, {@code pread}, and {@code sigaction} for
 * {@link Signals}) are linked here,
 * with the same conventions: failures throw the bindings' {@link ErrnoException}.
 */
public final class Posix {
    private Posix() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET =
            CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    static MethodHandle link(String name, FunctionDescriptor fd) {
        MemorySegment address = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(address, fd, Linker.Option.captureCallState("errno"));
    }

    static MemorySegment capture() {
        return CAPTURE.get();
    }

    static int errno(MemorySegment capture) {
        return capture.get(JAVA_INT, ERRNO_OFFSET);
    }

    private static final class Ftruncate {
        static final MethodHandle HANDLE = link("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    }

    private static final class Pread {
        static final MethodHandle HANDLE = link("pread",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ValueLayout.ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    /**
     * {@code pread(fd, buffer, size, offset)} until {@code buffer} is full. Throws on an error and
     * on end of file before that, naming {@code what}.
     */
    public static void preadFully(int fd, MemorySegment buffer, long offset, String what) {
        MemorySegment cs = capture();
        long done = 0;
        while (done < buffer.byteSize()) {
            long r;
            try {
                r = (long) Pread.HANDLE.invokeExact(cs, fd, buffer.asSlice(done), buffer.byteSize() - done, offset + done);
            } catch (Throwable t) {
                throw new AssertionError("pread threw", t);
            }
            if (r < 0) {
                int err = errno(cs);
                if (err == 4) { // EINTR: nothing was read, try again
                    continue;
                }
                throw new ErrnoException("pread(%s, 0x%x bytes at 0x%x)".formatted(what, buffer.byteSize() - done, offset + done), err);
            }
            if (r == 0) {
                throw new ErrnoException("pread(%s): end of file at 0x%x, 0x%x bytes short"
                        .formatted(what, offset + done, buffer.byteSize() - done), 5 /* EIO */);
            }
            done += r;
        }
    }

    /** Throws what the real call would if fault injection says this call fails. */
    private static void fail(HostFaults.Call call, String what) {
        int errno = HostFaults.injected(call, what);
        if (errno != 0) {
            throw new ErrnoException(what, errno);
        }
    }

    /** {@code open(path, flags)}; returns the fd. */
    public static int open(String path, int flags) {
        fail(HostFaults.Call.OPEN, "open(" + path + ")");
        return LibC.open(path, flags);
    }

    /** {@code close(fd)}; errors are reported, since a failed close of a KVM fd means a leak. */
    public static void close(int fd) {
        LibC.close(fd);
    }

    /**
     * {@code mmap(NULL, length, prot, flags, fd, offset)}: a global-scope segment of {@code length}
     * bytes, which the caller re-scopes to the arena that owns the mapping.
     */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        fail(HostFaults.Call.MMAP, "mmap(0x" + Long.toHexString(length) + " bytes)");
        return LibC.mmap(length, prot, flags, fd, offset);
    }

    /** {@code munmap} of the whole {@code mapping}. */
    public static void munmap(MemorySegment mapping) {
        LibC.munmap(mapping);
    }

    /** {@code madvise}; returns false (and changes nothing) if the kernel refuses the advice. */
    public static boolean madvise(MemorySegment mapping, int advice) {
        try {
            LibC.madvise(mapping, advice);
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** {@code memfd_create(name, flags)} then {@code ftruncate(fd, size)}; returns the fd. */
    public static int memfd(String name, long size, int flags) {
        fail(HostFaults.Call.MEMFD, "memfd_create(" + name + ")");
        int fd = LibC.memfd_create(name, flags);
        MemorySegment cs = capture();
        int r;
        try {
            r = (int) Ftruncate.HANDLE.invokeExact(cs, fd, size);
        } catch (Throwable t) {
            throw new AssertionError("ftruncate threw", t);
        }
        if (r != 0) {
            int err = errno(cs);
            LibC.close(fd);
            throw new ErrnoException("ftruncate(memfd " + name + ", 0x" + Long.toHexString(size) + ")", err);
        }
        return fd;
    }
}
