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
 * <p>How the kick works (QEMU's scheme since KVM_CAP_IMMEDIATE_EXIT): the kicker sets
 * {@code immediate_exit} in the vCPU's {@code kvm_run}, then sends the signal to the vCPU thread,
 * which leaves it unblocked. Inside KVM_RUN the signal makes KVM return EINTR; anywhere else its
 * handler runs and does nothing, and {@code immediate_exit} makes the next KVM_RUN return EINTR
 * before entering the guest. Nothing stays pending, so nothing has to be taken afterwards.
 *
 * <p>Why not KVM_SET_SIGNAL_MASK (block the signal in userspace, unblock it only inside
 * KVM_RUN, as jvmm did first): KVM then swaps the thread's signal mask twice on every KVM_RUN,
 * under the signal lock. Measured in the lab on a bare C loop of port I/O exits, that alone cost
 * 1.5 % of an exit round trip, which was most of what jvmm's userspace hypercalls cost more than
 * QEMU's (scripts/bench-hypercalls).
 *
 * <p>The handler must be native code that is safe at any instruction of the thread, Java or not:
 * a Java upcall is neither (it would run Java code inside whatever the thread was doing, even
 * inside the JVM). libc's {@code getpid} is: async-signal-safe, no side effect, and on x86_64
 * the signal number the kernel passes in the first argument register is simply ignored.
 * {@code SA_RESTART} lets any other system call the kick lands in (a write, a futex wait) carry
 * on; KVM_RUN is not restarted, it returns EINTR, which is the point.
 */
public final class Signals {
    private Signals() {}

    /** Offset of the kick signal from SIGRTMIN. */
    public static final int KICK_OFFSET = 4;

    /** glibc's {@code sigset_t} on x86_64: 1024 bits. */
    public static final long SIGSET_SIZE = 128;

    private static final int SIG_UNBLOCK = 1;
    private static final int SA_RESTART = 0x10000000;
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
            MemorySegment handler = Linker.nativeLinker().defaultLookup().find("getpid")
                    .orElseThrow(() -> new IllegalStateException("libc has no getpid"));
            MemorySegment act = global.allocate(SIGACTION_SIZE);
            act.set(ADDRESS, 0, handler);
            act.asSlice(SA_MASK_OFFSET, SIGSET_SIZE).fill((byte) 0);
            act.set(JAVA_INT, SA_FLAGS_OFFSET, SA_RESTART);
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

    /** {@code pthread_self()} of the calling thread, for {@link #kick}. */
    public static long currentThread() {
        return LibC.pthread_self();
    }

    /**
     * Makes sure the calling thread can be kicked: the kick signal unblocked (a thread inherits
     * its creator's mask, and a blocked kick would never interrupt KVM_RUN).
     */
    public static void unblockKickInCurrentThread() {
        int sig = kickSignal();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = SigSet.allocate(a);
            SigSet.add(set, sig);
            LibC.pthread_sigmask(SIG_UNBLOCK, set, MemorySegment.NULL);
        }
    }

    /** Sends the kick signal to {@code thread} (a {@link #currentThread()} value of a live thread). */
    public static void kick(long thread) {
        LibC.pthread_kill(thread, kickSignal());
    }
}
