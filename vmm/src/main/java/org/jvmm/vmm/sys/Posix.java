// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import org.jvmm.bindings.libc.ErrnoException;

/**
 * The few libc calls the core makes that the bindings' {@code LibC} does not offer (yet): file
 * descriptors and memory mappings. Each failure throws the bindings' {@link ErrnoException}, so
 * callers see one error type whichever class made the call.
 */
public final class Posix {
    private Posix() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET =
            CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    static MethodHandle link(String name, FunctionDescriptor fd, boolean errno) {
        MemorySegment address = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return errno
                ? LINKER.downcallHandle(address, fd, Linker.Option.captureCallState("errno"))
                : LINKER.downcallHandle(address, fd);
    }

    static MemorySegment capture() {
        return CAPTURE.get();
    }

    static int errno(MemorySegment capture) {
        return capture.get(JAVA_INT, ERRNO_OFFSET);
    }

    private static final class H {
        static final MethodHandle OPEN = link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true);
        static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), true);
        static final MethodHandle MMAP = link("mmap",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), true);
        static final MethodHandle MUNMAP = link("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), true);
        static final MethodHandle MADVISE = link("madvise",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), true);
        static final MethodHandle MEMFD_CREATE = link("memfd_create",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true);
        static final MethodHandle FTRUNCATE = link("ftruncate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), true);
    }

    /** {@code open(path, flags)}; returns the fd. */
    public static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = capture();
            int fd = (int) H.OPEN.invokeExact(cs, a.allocateFrom(path), flags);
            if (fd < 0) {
                throw new ErrnoException("open(" + path + ")", errno(cs));
            }
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("open threw", t);
        }
    }

    /** {@code close(fd)}; errors are reported, since a failed close of a KVM fd means a leak. */
    public static void close(int fd) {
        try {
            MemorySegment cs = capture();
            int r = (int) H.CLOSE.invokeExact(cs, fd);
            if (r < 0) {
                throw new ErrnoException("close(" + fd + ")", errno(cs));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("close threw", t);
        }
    }

    /**
     * {@code mmap(NULL, length, prot, flags, fd, offset)}; returns the address as a zero-length
     * segment, which the caller reinterprets to {@code length} with the arena that owns the mapping.
     */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        try {
            MemorySegment cs = capture();
            MemorySegment p = (MemorySegment) H.MMAP.invokeExact(cs, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (p.address() == -1L) {
                throw new ErrnoException("mmap(length 0x" + Long.toHexString(length) + ", fd " + fd + ")", errno(cs));
            }
            return p;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("mmap threw", t);
        }
    }

    /** {@code munmap(address, length)}. */
    public static void munmap(MemorySegment address, long length) {
        try {
            MemorySegment cs = capture();
            int r = (int) H.MUNMAP.invokeExact(cs, address, length);
            if (r < 0) {
                throw new ErrnoException("munmap(0x" + Long.toHexString(address.address()) + ")", errno(cs));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("munmap threw", t);
        }
    }

    /** {@code madvise(address, length, advice)}; returns false (and changes nothing) on failure. */
    public static boolean madvise(MemorySegment address, long length, int advice) {
        try {
            return (int) H.MADVISE.invokeExact(capture(), address, length, advice) == 0;
        } catch (Throwable t) {
            throw new AssertionError("madvise threw", t);
        }
    }

    /** {@code memfd_create(name, flags)} then {@code ftruncate(fd, size)}; returns the fd. */
    public static int memfd(String name, long size, int flags) {
        int fd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = capture();
            fd = (int) H.MEMFD_CREATE.invokeExact(cs, a.allocateFrom(name), flags);
            if (fd < 0) {
                throw new ErrnoException("memfd_create(" + name + ")", errno(cs));
            }
            if ((int) H.FTRUNCATE.invokeExact(cs, fd, size) < 0) {
                int err = errno(cs);
                close(fd);
                throw new ErrnoException("ftruncate(memfd " + name + ", 0x" + Long.toHexString(size) + ")", err);
            }
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("memfd_create threw", t);
        }
    }
}
