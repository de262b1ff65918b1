// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Every libc downcall jvmm makes, in one place.
 *
 * <p>Each function lives in its own holder class, so a function is linked the first time it is
 * called and a missing symbol only breaks the code that needs it. Calls that can fail capture
 * {@code errno} through {@link Linker.Option#captureCallState} into a per-thread segment allocated
 * once, so the hot path ({@code ioctl(KVM_RUN)}) allocates nothing. None of the downcalls is
 * {@code Linker.Option.critical}: {@code KVM_RUN}, {@code poll} and {@code sigtimedwait} block, and
 * a critical call would hold up the garbage collector for as long as the guest runs.
 *
 * <p>Conventions: a plain method throws {@link ErrnoException} when the call fails; a method
 * ending in {@code OrErrno} returns {@code -errno} instead, for loops where a failure such as
 * {@code EINTR} or {@code EAGAIN} is routine and an exception would be too costly.
 */
public final class LibC {

    private LibC() {
    }

    /** The flag to put on the java command line, named in the error when it is missing. */
    public static final String NATIVE_ACCESS_FLAG = "--enable-native-access=ALL-UNNAMED";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final Linker.Option VARIADIC_AFTER_2 = Linker.Option.firstVariadicArg(2);

    // The auto arena lives as long as the thread-local references it, i.e. as long as the thread.
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /** {@code struct pollfd { int fd; short events; short revents; }} from poll.h. */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"))
            .withName("pollfd");

    /** {@code struct timespec} on x86_64: two longs. */
    public static final StructLayout TIMESPEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_nsec")).withName("timespec");

    // fcntl.h
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_NOCTTY = 0x100;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    // sys/mman.h
    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MAP_HUGETLB = 0x40000;
    public static final int MADV_DONTNEED = 4;
    public static final int MADV_REMOVE = 9;
    public static final int MADV_DONTFORK = 10;
    public static final int MADV_MERGEABLE = 12;
    public static final int MADV_HUGEPAGE = 14;
    public static final int MADV_NOHUGEPAGE = 15;
    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;
    public static final int MFD_HUGETLB = 4;
    // sys/eventfd.h
    public static final int EFD_SEMAPHORE = 1;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;
    // poll.h
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;
    // signal.h
    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    public static final int SIG_SETMASK = 2;
    // termios.h (glibc's bits/termios-*.h): tcsetattr actions, the flags a raw console clears or
    // keeps, and the c_cc indexes. The struct is {@link termios}.
    public static final int TCSANOW = 0;
    public static final int TCSADRAIN = 1;
    public static final int TCSAFLUSH = 2;
    public static final int IGNBRK = 0x1;
    public static final int BRKINT = 0x2;
    public static final int PARMRK = 0x8;
    public static final int ISTRIP = 0x20;
    public static final int INLCR = 0x40;
    public static final int IGNCR = 0x80;
    public static final int ICRNL = 0x100;
    public static final int IXON = 0x400;
    public static final int OPOST = 0x1;
    public static final int ONLCR = 0x4;
    public static final int CSIZE = 0x30;
    public static final int CS8 = 0x30;
    public static final int PARENB = 0x100;
    public static final int ISIG = 0x1;
    public static final int ICANON = 0x2;
    public static final int ECHO = 0x8;
    public static final int ECHONL = 0x40;
    public static final int IEXTEN = 0x8000;
    public static final int VINTR = 0;
    public static final int VTIME = 5;
    public static final int VMIN = 6;
    // unistd.h
    public static final int _SC_PAGESIZE = 30;
    public static final int _SC_NPROCESSORS_ONLN = 84;
    // errno.h, for the comparisons hot loops make without going through Errno
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;
    public static final int ENOTSUP = 95;
    public static final int ETIMEDOUT = 110;

    // ---- errno capture -------------------------------------------------------------------------

    /** The layout of the segment the {@code captureState} overloads expect. */
    public static StructLayout captureStateLayout() {
        return CAPTURE_LAYOUT;
    }

    /** A capture-state segment for the {@code captureState} overloads, e.g. one per vCPU thread. */
    public static MemorySegment allocateCaptureState(SegmentAllocator allocator) {
        return allocator.allocate(CAPTURE_LAYOUT);
    }

    /** The errno a call stored into {@code captureState}. */
    public static int errno(MemorySegment captureState) {
        return captureState.get(JAVA_INT, ERRNO_OFFSET);
    }

    @SuppressWarnings("restricted")  // linking libc is this class's purpose; the module check is above
    static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        if (!LibC.class.getModule().isNativeAccessEnabled()) {
            throw nativeAccessDisabled(name);
        }
        MemorySegment address = LIBC.find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(address, descriptor, options);
    }

    private static IllegalCallerException nativeAccessDisabled(String function) {
        return new IllegalCallerException("native access is not enabled, so jvmm cannot call libc's " + function
                + ": run java with " + NATIVE_ACCESS_FLAG
                + " (or put Enable-Native-Access: ALL-UNNAMED in the jar manifest)");
    }

    /**
     * Turns what a {@code try { invokeExact } catch (Throwable)} caught into something to rethrow.
     * Downcalls throw nothing themselves; what arrives here is a holder class failing to link,
     * which must surface with its own message (e.g. the native-access hint), not be wrapped.
     */
    static RuntimeException unexpected(Throwable t) {
        Throwable cause = t instanceof ExceptionInInitializerError && t.getCause() != null ? t.getCause() : t;
        if (!LibC.class.getModule().isNativeAccessEnabled()) {
            return nativeAccessDisabled("functions");   // also covers a retried, already failed holder
        }
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed unexpectedly", t);
    }

    // ---- ioctl ---------------------------------------------------------------------------------

    private static final class ioctl$long {
        static final MethodHandle HANDLE = link("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), VARIADIC_AFTER_2, ERRNO);
    }

    private static final class ioctl$ptr {
        static final MethodHandle HANDLE = link("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), VARIADIC_AFTER_2, ERRNO);
    }

    /**
     * {@code ioctl(fd, request)} for requests without an argument; throws on failure. It passes 0 as
     * the argument: the third register would otherwise hold garbage, and KVM rejects a non-zero
     * argument with EINVAL for {@code KVM_GET_API_VERSION} and {@code KVM_GET_VCPU_MMAP_SIZE}.
     */
    public static int ioctl(int fd, long request) {
        return ioctl(fd, request, 0L);
    }

    /** {@code ioctl(fd, request, arg)} with an integer argument; throws on failure. */
    public static int ioctl(int fd, long request, long arg) {
        return checkIoctl(ioctl(CAPTURE.get(), fd, request, arg), fd, request);
    }

    /** {@code ioctl(fd, request, arg)} with a pointer argument; throws on failure. */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        return checkIoctl(ioctl(CAPTURE.get(), fd, request, arg), fd, request);
    }

    /** Like {@link #ioctl(int, long)} but returns {@code -errno} on failure. */
    public static int ioctlOrErrno(int fd, long request) {
        return ioctlOrErrno(fd, request, 0L);
    }

    /** Like {@link #ioctl(int, long, long)} but returns {@code -errno} on failure. */
    public static int ioctlOrErrno(int fd, long request, long arg) {
        MemorySegment cs = CAPTURE.get();
        int r = ioctl(cs, fd, request, arg);
        return r == -1 ? -errno(cs) : r;
    }

    /** Like {@link #ioctl(int, long, MemorySegment)} but returns {@code -errno} on failure. */
    public static int ioctlOrErrno(int fd, long request, MemorySegment arg) {
        MemorySegment cs = CAPTURE.get();
        int r = ioctl(cs, fd, request, arg);
        return r == -1 ? -errno(cs) : r;
    }

    /**
     * Raw {@code ioctl} with an integer argument: returns what libc returns; on -1 the errno is in
     * {@code captureState} (read it with {@link #errno}). Allocation-free with a caller-owned segment.
     */
    public static int ioctl(MemorySegment captureState, int fd, long request, long arg) {
        try {
            return (int) ioctl$long.HANDLE.invokeExact(captureState, fd, request, arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Raw {@code ioctl} with a pointer argument; see {@link #ioctl(MemorySegment, int, long, long)}. */
    public static int ioctl(MemorySegment captureState, int fd, long request, MemorySegment arg) {
        try {
            return (int) ioctl$ptr.HANDLE.invokeExact(captureState, fd, request, arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static int checkIoctl(int result, int fd, long request) {
        if (result == -1) {
            throw new ErrnoException("ioctl(fd " + fd + ", 0x" + Long.toHexString(request) + ")",
                    errno(CAPTURE.get()));
        }
        return result;
    }

    // ---- files and memory ----------------------------------------------------------------------

    private static final class open$ {
        // open(const char *, int, ...): the mode is passed as the variadic int.
        static final MethodHandle HANDLE = link("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), VARIADIC_AFTER_2, ERRNO);
    }

    private static final class close$ {
        static final MethodHandle HANDLE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    }

    private static final class read$ {
        static final MethodHandle HANDLE = link("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    }

    private static final class write$ {
        static final MethodHandle HANDLE = link("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    }

    private static final class mmap$ {
        static final MethodHandle HANDLE = link("mmap", FunctionDescriptor.of(
                ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO);
    }

    private static final class munmap$ {
        static final MethodHandle HANDLE = link("munmap",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    }

    private static final class madvise$ {
        static final MethodHandle HANDLE = link("madvise",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), ERRNO);
    }

    private static final class memfd_create$ {
        static final MethodHandle HANDLE = link("memfd_create",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
    }

    private static final class eventfd$ {
        static final MethodHandle HANDLE = link("eventfd",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    }

    private static final class poll$ {
        static final MethodHandle HANDLE = link("poll",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), ERRNO);
    }

    private static final class dup2$ {
        static final MethodHandle HANDLE = link("dup2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    }

    private static final class sysconf$ {
        static final MethodHandle HANDLE = link("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT), ERRNO);
    }

    /** {@code open(path, flags)}; returns the fd. */
    public static int open(String path, int flags) {
        return open(path, flags, 0);
    }

    /** {@code open(path, flags, mode)}; returns the fd. */
    public static int open(String path, int flags, int mode) {
        MemorySegment cs = CAPTURE.get();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) open$.HANDLE.invokeExact(cs, arena.allocateFrom(path), flags, mode);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (fd == -1) {
            throw new ErrnoException("open(" + path + ")", errno(cs));
        }
        return fd;
    }

    /** {@code close(fd)}. */
    public static void close(int fd) {
        MemorySegment cs = CAPTURE.get();
        int r;
        try {
            r = (int) close$.HANDLE.invokeExact(cs, fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check(r, cs, "close", fd);
    }

    /** {@code dup2(oldFd, newFd)}: makes newFd another name for oldFd's file. */
    public static void dup2(int oldFd, int newFd) {
        MemorySegment cs = CAPTURE.get();
        int r;
        try {
            r = (int) dup2$.HANDLE.invokeExact(cs, oldFd, newFd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check(r, cs, "dup2", oldFd);
    }

    /** {@code read(fd, buffer, buffer.byteSize())}; returns the byte count (0 at end of file). */
    public static long read(int fd, MemorySegment buffer) {
        long r = readOrErrno(fd, buffer);
        if (r < 0) {
            throw new ErrnoException("read(fd " + fd + ")", (int) -r);
        }
        return r;
    }

    /** Like {@link #read} but returns {@code -errno} on failure. */
    public static long readOrErrno(int fd, MemorySegment buffer) {
        MemorySegment cs = CAPTURE.get();
        long r;
        try {
            r = (long) read$.HANDLE.invokeExact(cs, fd, buffer, buffer.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
        return r == -1 ? -errno(cs) : r;
    }

    /** {@code write(fd, buffer, buffer.byteSize())}; returns the byte count written. */
    public static long write(int fd, MemorySegment buffer) {
        long r = writeOrErrno(fd, buffer);
        if (r < 0) {
            throw new ErrnoException("write(fd " + fd + ")", (int) -r);
        }
        return r;
    }

    /** Like {@link #write} but returns {@code -errno} on failure. */
    public static long writeOrErrno(int fd, MemorySegment buffer) {
        MemorySegment cs = CAPTURE.get();
        long r;
        try {
            r = (long) write$.HANDLE.invokeExact(cs, fd, buffer, buffer.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
        return r == -1 ? -errno(cs) : r;
    }

    /**
     * {@code mmap(NULL, length, prot, flags, fd, offset)}. Returns a segment of {@code length} bytes
     * in the global scope; the caller owns the mapping and unmaps it with {@link #munmap}, usually by
     * re-scoping it with {@code reinterpret(arena, s -> munmap(s))}.
     */
    @SuppressWarnings("restricted")
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        MemorySegment cs = CAPTURE.get();
        MemorySegment addr;
        try {
            addr = (MemorySegment) mmap$.HANDLE.invokeExact(cs, MemorySegment.NULL, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (addr.address() == -1L) {   // MAP_FAILED
            throw new ErrnoException("mmap(length 0x" + Long.toHexString(length) + ", fd " + fd + ")", errno(cs));
        }
        // Sound: the kernel just mapped exactly `length` bytes at this address.
        return addr.reinterpret(length);
    }

    /** {@code munmap(segment.address(), segment.byteSize())}. */
    public static void munmap(MemorySegment segment) {
        MemorySegment cs = CAPTURE.get();
        int r;
        try {
            r = (int) munmap$.HANDLE.invokeExact(cs, segment, segment.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r == -1) {
            throw new ErrnoException("munmap(0x" + Long.toHexString(segment.address()) + ")", errno(cs));
        }
    }

    /** {@code madvise(segment.address(), segment.byteSize(), advice)}. */
    public static void madvise(MemorySegment segment, int advice) {
        MemorySegment cs = CAPTURE.get();
        int r;
        try {
            r = (int) madvise$.HANDLE.invokeExact(cs, segment, segment.byteSize(), advice);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r == -1) {
            throw new ErrnoException("madvise(0x" + Long.toHexString(segment.address()) + ", " + advice + ")", errno(cs));
        }
    }

    /** {@code memfd_create(name, flags)}; returns the fd. */
    public static int memfd_create(String name, int flags) {
        MemorySegment cs = CAPTURE.get();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) memfd_create$.HANDLE.invokeExact(cs, arena.allocateFrom(name), flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (fd == -1) {
            throw new ErrnoException("memfd_create(" + name + ")", errno(cs));
        }
        return fd;
    }

    /** {@code eventfd(initval, flags)}; returns the fd. */
    public static int eventfd(int initval, int flags) {
        MemorySegment cs = CAPTURE.get();
        int fd;
        try {
            fd = (int) eventfd$.HANDLE.invokeExact(cs, initval, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        return check(fd, cs, "eventfd", initval);
    }

    /**
     * {@code poll(fds, nfds, timeoutMillis)} over an array of {@link #POLLFD}; returns how many
     * entries have events, 0 on timeout, or {@code -errno} ({@code -EINTR} when a signal arrived).
     */
    public static int pollOrErrno(MemorySegment fds, long nfds, int timeoutMillis) {
        MemorySegment cs = CAPTURE.get();
        int r;
        try {
            r = (int) poll$.HANDLE.invokeExact(cs, fds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        return r == -1 ? -errno(cs) : r;
    }

    /** {@code sysconf(name)}, e.g. {@code sysconf(_SC_PAGESIZE)}. */
    public static long sysconf(int name) {
        MemorySegment cs = CAPTURE.get();
        long r;
        try {
            r = (long) sysconf$.HANDLE.invokeExact(cs, name);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r == -1) {
            throw new ErrnoException("sysconf(" + name + ")", errno(cs));
        }
        return r;
    }

    /** The page size, from {@code sysconf(_SC_PAGESIZE)}. */
    public static long pageSize() {
        return sysconf(_SC_PAGESIZE);
    }

    private static int check(int result, MemorySegment cs, String call, int arg) {
        if (result == -1) {
            throw new ErrnoException(call + "(" + arg + ")", errno(cs));
        }
        return result;
    }

    // ---- threads and signals -------------------------------------------------------------------

    private static final class pthread_sigmask$ {
        // Returns the error number instead of setting errno.
        static final MethodHandle HANDLE = link("pthread_sigmask",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class sigtimedwait$ {
        static final MethodHandle HANDLE = link("sigtimedwait",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), ERRNO);
    }

    private static final class pthread_self$ {
        static final MethodHandle HANDLE = link("pthread_self", FunctionDescriptor.of(JAVA_LONG));
    }

    private static final class pthread_kill$ {
        // Returns the error number instead of setting errno.
        static final MethodHandle HANDLE = link("pthread_kill",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private static final class tgkill$ {
        static final MethodHandle HANDLE = link("tgkill",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    }

    private static final class gettid$ {
        static final MethodHandle HANDLE = link("gettid", FunctionDescriptor.of(JAVA_INT));
    }

    private static final class getpid$ {
        static final MethodHandle HANDLE = link("getpid", FunctionDescriptor.of(JAVA_INT));
    }

    private static final class sigrt$ {
        // SIGRTMIN/SIGRTMAX are functions in glibc: it reserves the first real-time signals for NPTL.
        static final int MIN = callInt(link("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT)));
        static final int MAX = callInt(link("__libc_current_sigrtmax", FunctionDescriptor.of(JAVA_INT)));
    }

    private static int callInt(MethodHandle handle) {
        try {
            return (int) handle.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code pthread_sigmask(how, set, oldSet)} on the calling thread; either set may be
     * {@link MemorySegment#NULL}. Sets are {@link SigSet#LAYOUT} segments.
     */
    public static void pthread_sigmask(int how, MemorySegment set, MemorySegment oldSet) {
        int err;
        try {
            err = (int) pthread_sigmask$.HANDLE.invokeExact(how, set, oldSet);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (err != 0) {
            throw new ErrnoException("pthread_sigmask(" + how + ")", err);
        }
    }

    /**
     * {@code sigtimedwait(set, NULL, timeout)}: takes one pending signal of {@code set}. Returns the
     * signal number, {@code -EAGAIN} when the timeout expired, or {@code -EINTR}.
     */
    public static int sigtimedwaitOrErrno(MemorySegment set, long timeoutNanos) {
        MemorySegment cs = CAPTURE.get();
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(TIMESPEC);
            ts.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            ts.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            r = (int) sigtimedwait$.HANDLE.invokeExact(cs, set, MemorySegment.NULL, ts);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        return r == -1 ? -errno(cs) : r;
    }

    /** {@code pthread_self()}: the calling thread's pthread_t, for {@link #pthread_kill}. */
    public static long pthread_self() {
        try {
            return (long) pthread_self$.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code pthread_kill(thread, sig)}. */
    public static void pthread_kill(long thread, int sig) {
        int err;
        try {
            err = (int) pthread_kill$.HANDLE.invokeExact(thread, sig);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (err != 0) {
            throw new ErrnoException("pthread_kill(0x" + Long.toHexString(thread) + ", " + sig + ")", err);
        }
    }

    /** {@code tgkill(tgid, tid, sig)}: signals one thread, identified by its kernel tid. */
    public static void tgkill(int tgid, int tid, int sig) {
        MemorySegment cs = CAPTURE.get();
        int r;
        try {
            r = (int) tgkill$.HANDLE.invokeExact(cs, tgid, tid, sig);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r == -1) {
            throw new ErrnoException("tgkill(" + tgid + ", " + tid + ", " + sig + ")", errno(cs));
        }
    }

    /** {@code gettid()}: the calling thread's kernel thread id. */
    public static int gettid() {
        try {
            return (int) gettid$.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code getpid()}. */
    public static int getpid() {
        try {
            return (int) getpid$.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** glibc's {@code SIGRTMIN} (34 with NPTL on Linux), the lowest signal free for applications. */
    public static int SIGRTMIN() {
        try {
            return sigrt$.MIN;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** glibc's {@code SIGRTMAX} (64 on Linux). */
    public static int SIGRTMAX() {
        try {
            return sigrt$.MAX;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- terminals -----------------------------------------------------------------------------

    private static final class isatty$ {
        static final MethodHandle HANDLE = link("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    }

    private static final class tcgetattr$ {
        static final MethodHandle HANDLE = link("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), ERRNO);
    }

    private static final class tcsetattr$ {
        static final MethodHandle HANDLE = link("tcsetattr",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), ERRNO);
    }

    /**
     * {@code isatty(fd)}: true when {@code fd} is a terminal. Never throws for a bad fd: glibc
     * answers 0 (with errno {@code EBADF} or {@code ENOTTY}) and so does this.
     */
    public static boolean isatty(int fd) {
        try {
            return (int) isatty$.HANDLE.invokeExact(CAPTURE.get(), fd) == 1;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code tcgetattr(fd, termios)}: fills a {@link termios} segment with the terminal's settings. */
    public static void tcgetattr(int fd, MemorySegment termios) {
        MemorySegment cs = CAPTURE.get();
        int r;
        try {
            r = (int) tcgetattr$.HANDLE.invokeExact(cs, fd, termios);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check(r, cs, "tcgetattr", fd);
    }

    /**
     * {@code tcsetattr(fd, action, termios)} with {@link #TCSANOW}, {@link #TCSADRAIN} or
     * {@link #TCSAFLUSH}. Like glibc, it succeeds when the terminal took any of the changes;
     * read the settings back to learn whether it took them all.
     */
    public static void tcsetattr(int fd, int action, MemorySegment termios) {
        MemorySegment cs = CAPTURE.get();
        int r;
        try {
            r = (int) tcsetattr$.HANDLE.invokeExact(cs, fd, action, termios);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check(r, cs, "tcsetattr", fd);
    }
}
