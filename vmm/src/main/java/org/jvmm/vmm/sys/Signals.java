// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.jvmm.bindings.libc.ErrnoException;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.bindings.libc.SigSet;

/**
 * The signal that kicks a vCPU thread out of KVM_RUN, and the libc calls around it.
 *
 * <p>The kick signal is {@code SIGRTMIN + 4}. HotSpot on Linux uses SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGPIPE, SIGXFSZ, SIGQUIT, SIGUSR2 (thread suspend/resume), and SIGHUP/SIGINT/SIGTERM
 * for shutdown hooks; glibc reserves the two signals below SIGRTMIN for itself. No real-time
 * signal is used by either, and {@link #install()} checks that nobody has a handler on ours.
 *
 * <p>How the kick works: every vCPU thread blocks the signal, and hands KVM (KVM_SET_SIGNAL_MASK)
 * its mask with the signal unblocked, so the signal can only interrupt KVM_RUN: KVM_RUN returns
 * EINTR and the signal stays pending until {@link #consumePending} takes it with sigtimedwait.
 * The process-wide handler never runs (the signal is blocked whenever the thread is outside the
 * guest), but it must exist: an unhandled real-time signal is fatal, and the kernel kills the
 * process as soon as it is sent to a thread that does not block it, which is the case inside
 * KVM_RUN.
 */
public final class Signals {
    private Signals() {}

    /** Offset of the kick signal from SIGRTMIN. */
    public static final int KICK_OFFSET = 4;

    /** glibc's {@code sigset_t} on x86_64: 1024 bits. */
    public static final long SIGSET_SIZE = 128;
    /** The kernel's sigset, as KVM_SET_SIGNAL_MASK wants it: 64 bits. */
    public static final int KERNEL_SIGSET_SIZE = 8;

    private static final int SIG_BLOCK = 0;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    /** {@code struct sigaction} on x86_64 glibc: handler, mask, flags (+pad), restorer. */
    private static final long SIGACTION_SIZE = 152;
    private static final long SA_MASK_OFFSET = 8;
    private static final long SA_FLAGS_OFFSET = 136;

    private static final class H {
        static final MethodHandle SIGACTION = Posix.link("sigaction",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static volatile int kickSignal;

    /** The kick signal number, installing its handler on first use. */
    public static int kickSignal() {
        int s = kickSignal;
        return s != 0 ? s : install();
    }

    private static synchronized int install() {
        if (kickSignal != 0) {
            return kickSignal;
        }
        try {
            int sig = LibC.SIGRTMIN() + KICK_OFFSET;
            Arena global = Arena.global();
            MemorySegment old = global.allocate(SIGACTION_SIZE);
            MemorySegment cs = Posix.capture();
            if ((int) H.SIGACTION.invokeExact(cs, sig, MemorySegment.NULL, old) != 0) {
                throw new ErrnoException("sigaction(" + sig + ")", Posix.errno(cs));
            }
            long previous = old.get(JAVA_LONG, 0);
            if (previous != 0 && previous != 1) { // neither SIG_DFL nor SIG_IGN
                throw new IllegalStateException("signal " + sig + " (SIGRTMIN+" + KICK_OFFSET
                        + "), which jvmm uses to kick vCPUs, already has a handler");
            }
            MethodHandle noop = MethodHandles.lookup().findStatic(Signals.class, "onKick",
                    MethodType.methodType(void.class, int.class));
            MemorySegment stub = Linker.nativeLinker().upcallStub(noop, FunctionDescriptor.ofVoid(JAVA_INT), global);
            MemorySegment act = global.allocate(SIGACTION_SIZE);
            act.set(ADDRESS, 0, stub);
            act.asSlice(SA_MASK_OFFSET, SIGSET_SIZE).fill((byte) 0);
            act.set(JAVA_INT, SA_FLAGS_OFFSET, 0);
            if ((int) H.SIGACTION.invokeExact(cs, sig, act, MemorySegment.NULL) != 0) {
                throw new ErrnoException("sigaction(" + sig + ")", Posix.errno(cs));
            }
            kickSignal = sig;
            return sig;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("installing the kick signal failed", t);
        }
    }

    /** The handler: never runs in practice (see the class comment); does nothing if it does. */
    private static void onKick(int sig) {
        // Nothing to do: the pending-signal check in KVM_RUN already did the work.
    }

    /** {@code pthread_self()} of the calling thread, for {@link #kick}. */
    public static long currentThread() {
        return LibC.pthread_self();
    }

    /**
     * Blocks the kick signal in the calling thread and returns the thread's resulting mask as the
     * 8-byte kernel sigset with the kick signal cleared: the mask KVM should use during KVM_RUN.
     */
    public static long blockKickInCurrentThread() {
        int sig = kickSignal();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = SigSet.allocate(a);
            MemorySegment old = SigSet.allocate(a);
            SigSet.add(set, sig);
            LibC.pthread_sigmask(SIG_BLOCK, set, old);
            return old.get(JAVA_LONG, 0) & ~bit(sig);
        }
    }

    /** Sends the kick signal to {@code thread} (a {@link #currentThread()} value of a live thread). */
    public static void kick(long thread) {
        LibC.pthread_kill(thread, kickSignal());
    }

    /**
     * Takes every pending kick signal of the calling thread without waiting; returns how many.
     * {@code set} is a {@link SigSet#LAYOUT} segment owned by the thread.
     */
    public static int consumePending(MemorySegment set) {
        int sig = kickSignal();
        SigSet.empty(set);
        SigSet.add(set, sig);
        int taken = 0;
        while (true) {
            int r = LibC.sigtimedwaitOrErrno(set, 0);
            if (r == sig) {
                taken++;
            } else if (r == -EAGAIN) {
                return taken;
            } else if (r != -EINTR) {
                throw new ErrnoException("sigtimedwait(kick)", -r);
            }
        }
    }

    private static long bit(int sig) {
        return 1L << (sig - 1);
    }
}
