// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.libc;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Real downcalls against this machine's glibc; none needs KVM. */
class LibCTest {

    @Test
    void openOfAMissingFileNamesTheCallAndErrno() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> LibC.open("/nonexistent/jvmm-test", LibC.O_RDWR | LibC.O_CLOEXEC));
        assertEquals(LibC.ENOENT, e.errno());
        assertEquals("ENOENT", e.symbol());
        assertEquals("open(/nonexistent/jvmm-test)", e.call());
        assertEquals("open(/nonexistent/jvmm-test) failed: ENOENT (2) No such file or directory", e.getMessage());
    }

    @Test
    void ioctlOnABadFdIsEbadf() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> LibC.ioctl(-2, 0xAE00L));
        assertEquals(LibC.EBADF, e.errno());
        assertEquals("ioctl(fd -2, 0xae00) failed: EBADF (9) Bad file descriptor", e.getMessage());
        assertEquals(-LibC.EBADF, LibC.ioctlOrErrno(-2, 0xAE00L, 0L));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment arg = arena.allocate(8);
            assertEquals(-LibC.EBADF, LibC.ioctlOrErrno(-2, 0xAE00L, arg));
            MemorySegment capture = LibC.allocateCaptureState(arena);
            assertEquals(-1, LibC.ioctl(capture, -2, 0xAE00L, arg));
            assertEquals(LibC.EBADF, LibC.errno(capture));
        }
    }

    @Test
    void eventfdCountsWhatIsWritten() {
        int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            assertEquals(-LibC.EAGAIN, LibC.readOrErrno(fd, value), "an empty eventfd has nothing to read");
            value.set(JAVA_LONG, 0, 3);
            assertEquals(8, LibC.write(fd, value));
            value.set(JAVA_LONG, 0, 4);
            assertEquals(8, LibC.write(fd, value));
            value.set(JAVA_LONG, 0, 0);
            assertEquals(8, LibC.read(fd, value));
            assertEquals(7, value.get(JAVA_LONG, 0));
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void pollSeesAReadableEventfd() {
        int fd = LibC.eventfd(1, LibC.EFD_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(LibC.POLLFD);
            fds.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, fd);
            fds.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
            assertEquals(1, LibC.pollOrErrno(fds, 1, 1000));
            assertEquals(LibC.POLLIN, fds.get(java.lang.foreign.ValueLayout.JAVA_SHORT, 6));
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void memfdMappedTwiceSharesItsPages() {
        long page = LibC.pageSize();
        assertTrue(page >= 4096 && Long.bitCount(page) == 1, "page size " + page);
        int fd = LibC.memfd_create("jvmm-test", LibC.MFD_CLOEXEC);
        try {
            // ftruncate is not bound; writing one page at its end grows the memfd instead.
            try (Arena arena = Arena.ofConfined()) {
                LibC.write(fd, arena.allocate(page));
            }
            MemorySegment a = LibC.mmap(page, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
            MemorySegment b = LibC.mmap(page, LibC.PROT_READ, LibC.MAP_SHARED, fd, 0);
            try {
                assertEquals(page, a.byteSize());
                a.set(JAVA_LONG, 64, 0x1122334455667788L);
                assertEquals(0x1122334455667788L, b.get(JAVA_LONG, 64));
                LibC.madvise(a, LibC.MADV_DONTFORK);
            } finally {
                LibC.munmap(a);
                LibC.munmap(b);
            }
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void mmapFailureNamesTheFd() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> LibC.mmap(4096, LibC.PROT_READ, LibC.MAP_SHARED, -2, 0));
        assertEquals("EBADF", e.symbol());
        assertTrue(e.getMessage().startsWith("mmap(length 0x1000, fd -2) failed: EBADF (9)"), e.getMessage());
    }

    @Test
    void threadIdsAndRealtimeSignals() {
        assertTrue(LibC.getpid() > 0);
        assertTrue(LibC.gettid() > 0);
        assertTrue(LibC.pthread_self() != 0);
        assertEquals(64, LibC.SIGRTMAX());
        assertTrue(LibC.SIGRTMIN() >= 32 && LibC.SIGRTMIN() < LibC.SIGRTMAX(), "SIGRTMIN " + LibC.SIGRTMIN());
    }

    @Test
    void aBlockedSignalSentToThisThreadIsTakenBySigtimedwait() {
        int sig = LibC.SIGRTMIN() + 1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = SigSet.allocate(arena);
            SigSet.add(set, sig);
            MemorySegment old = SigSet.allocate(arena);
            LibC.pthread_sigmask(LibC.SIG_BLOCK, set, old);
            try {
                assertEquals(-LibC.EAGAIN, LibC.sigtimedwaitOrErrno(set, 1_000_000L), "nothing pending yet");
                LibC.tgkill(LibC.getpid(), LibC.gettid(), sig);
                assertEquals(sig, LibC.sigtimedwaitOrErrno(set, 1_000_000_000L));
                LibC.pthread_kill(LibC.pthread_self(), sig);
                assertEquals(sig, LibC.sigtimedwaitOrErrno(set, 1_000_000_000L));
            } finally {
                LibC.pthread_sigmask(LibC.SIG_SETMASK, old, MemorySegment.NULL);
            }
        }
    }

    @Test
    void sigSetBitsFollowTheKernelLayout() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = SigSet.allocate(arena);
            SigSet.add(set, 1);
            SigSet.add(set, 64);
            assertEquals(0x8000000000000001L, set.get(JAVA_LONG, 0));
            assertTrue(SigSet.contains(set, 64));
            SigSet.remove(set, 64);
            assertFalse(SigSet.contains(set, 64));
            SigSet.empty(set);
            assertEquals(0, set.get(JAVA_LONG, 0));
            assertThrows(IllegalArgumentException.class, () -> SigSet.add(set, 65));
        }
    }

    @Test
    void errnoTableHasLinuxNumbers() {
        assertEquals(Errno.EINTR, Errno.of(4));
        assertEquals(Errno.EAGAIN, Errno.of(11));
        assertEquals("EACCES (13) Permission denied", Errno.describe(13));
        assertEquals("errno 999", Errno.describe(999));
        assertEquals("errno 999", new ErrnoException("x", 999).symbol());
    }
}
