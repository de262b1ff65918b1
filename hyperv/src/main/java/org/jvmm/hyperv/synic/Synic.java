// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.TreeMap;
import java.nio.ByteOrder;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * The userspace half of one vCPU's synthetic interrupt controller, as QEMU's SynIC object in
 * hw/hyperv/hyperv.c: the SCONTROL/SIMP/SIEFP values KVM reported through SYNIC exits, the message
 * and event-flag pages they place, and host-to-guest delivery into them. KVM keeps the rest (SINT
 * registers, EOM, timers). Methods are synchronized: SYNIC exits and message posts run on the
 * vCPU's thread, but event flags and queries come from device threads.
 *
 * <p>Message page: 16 slots of 256 bytes, one per SINT; header message_type u32 @0, payload_size
 * u8 @4, message_flags u8 @5 (bit 0 msg_pending), port/sender id u64 @8, payload @16.
 * Event-flags page: 16 slots of 2048 flag bits.
 */
public final class Synic {
    public static final int SINT_COUNT = 16;
    public static final int SLOT_SIZE = 256;
    /** HV_EVENT_FLAGS_COUNT: flags per SINT slot. */
    public static final int EVENT_FLAGS = 2048;
    static final int MESSAGE_FLAGS_OFFSET = 5;
    static final byte MESSAGE_FLAG_PENDING = 1;
    private static final long ENABLE = 1;
    private static final long PAGE_MASK = ~0xFFFL;
    private static final VarHandle WORD = JAVA_LONG.varHandle();
    private static final ValueLayout.OfInt LE_ALIGNED_INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** message_type, and the header word holding message_flags; guest pages are little-endian. */
    private static final VarHandle TYPE = LE_ALIGNED_INT.varHandle();
    private static final VarHandle HEADER_WORD = LE_ALIGNED_INT.varHandle();

    /** Outcome of {@link #postMessage}, QEMU's 0 / -EAGAIN / -ENXIO. */
    public enum PostResult {
        /** Copied into the slot and the SINT raised. */
        POSTED,
        /** The slot still holds an unread message: msg_pending is set, retry after the guest's EOM. */
        BUSY,
        /** No message page is mapped. */
        NO_PAGE,
        /**
         * (From {@link SintRoute#post} only.) The route already holds a message waiting for the
         * guest's EOM: one message in flight per route, QEMU's -EAGAIN from hyperv_post_msg.
         */
        ROUTE_BUSY,
        /** (From {@link SintRoute#post} only.) Staged; the vCPU thread puts it in the slot. */
        QUEUED,
        /** (From {@link SintRoute#post} only.) The VP's vCPU has ended: nothing can deliver it. */
        STOPPED
    }

    private final int vpIndex;
    private final OverlayPage messagePage;
    private final OverlayPage eventPage;
    private long scontrol;
    private long simp;
    private long siefp;
    private boolean enabled;
    /** Census counts, guarded by this like the rest: [sint][PostResult], [sint][set, already set, off]. */
    private final long[][] posts = new long[SINT_COUNT][PostResult.values().length];
    private final long[][] flags = new long[SINT_COUNT][3];

    public Synic(int vpIndex, GuestMemory memory) {
        this.vpIndex = vpIndex;
        this.messagePage = new OverlayPage(memory);
        this.eventPage = new OverlayPage(memory);
    }

    public int vpIndex() {
        return vpIndex;
    }

    /** The SCONTROL value of the last SYNIC exit. */
    synchronized void scontrol(long value) {
        scontrol = value;
    }

    synchronized void simp(long value) {
        simp = value;
    }

    synchronized void siefp(long value) {
        siefp = value;
    }

    /**
     * Applies the stored SCONTROL/SIMP/SIEFP (QEMU's {@code hyperv_x86_synic_update}): enable bit,
     * and each page mapped at its page frame when its enable bit is set, else unmapped.
     */
    synchronized void apply() {
        enabled = (scontrol & ENABLE) != 0;
        messagePage.moveTo((simp & ENABLE) != 0 ? simp & PAGE_MASK : 0);
        eventPage.moveTo((siefp & ENABLE) != 0 ? siefp & PAGE_MASK : 0);
    }

    public synchronized boolean enabled() {
        return enabled;
    }

    /** Guest-physical address of the mapped message page, 0 if none. */
    public synchronized long messagePageGpa() {
        return messagePage.gpa();
    }

    public synchronized long eventPageGpa() {
        return eventPage.gpa();
    }

    /**
     * Puts {@code message} (a 256-byte hv_message) into slot {@code sint} and calls {@code raise}
     * (QEMU's {@code cpu_post_msg}). If the slot's message_type is not 0 the guest has not consumed
     * the previous message: msg_pending is set in that slot so the guest writes EOM when done.
     *
     * <p>Call it on this VP's vCPU thread, outside KVM_RUN (see {@link SintRoute}): the guest on
     * this vCPU is then not running, and KVM writes its own timer messages into the same slots only
     * from that thread, inside KVM_RUN. The slot is still touched with atomics, because a hostile
     * guest can point the SIMP of another vCPU at this page and write it from there: the pending
     * flag is an atomic OR followed by a second look at message_type (with the guest's own order,
     * clear message_type, barrier, read msg_pending, one of the two sides sees the other's write,
     * so an EOM is never lost), and message_type is claimed by compare-and-set after the body is
     * written. What such a guest still can do is garble its own messages; jvmm's state stays sound.
     */
    public synchronized PostResult postMessage(int sint, byte[] message, Runnable raise) {
        checkSint(sint);
        if (message.length != SLOT_SIZE) {
            throw new IllegalArgumentException("a Hyper-V message is " + SLOT_SIZE + " bytes, got " + message.length);
        }
        MemorySegment page = messagePage.segment();
        if (page == null) {
            posts[sint][PostResult.NO_PAGE.ordinal()]++;
            return PostResult.NO_PAGE;
        }
        long slot = (long) sint * SLOT_SIZE;
        int type = MemorySegment.ofArray(message).get(GuestMemory.LE_INT, 0);
        // Two rounds: the second only runs when a guest wrote the slot from another vCPU between
        // our look and our claim; if it keeps doing that, the message waits for its EOM.
        for (int round = 0; round < 2; round++) {
            if ((int) TYPE.getVolatile(page, slot) != 0 && markPendingIfStillBusy(page, slot)) {
                posts[sint][PostResult.BUSY.ordinal()]++;
                return PostResult.BUSY;
            }
            // Body first (flags included: a new message starts with msg_pending clear), type last,
            // so a guest polling the slot never sees a half-written message.
            page.asSlice(slot + 4, SLOT_SIZE - 4).copyFrom(MemorySegment.ofArray(message).asSlice(4));
            if (TYPE.compareAndSet(page, slot, 0, type)) {
                raise.run();
                posts[sint][PostResult.POSTED.ordinal()]++;
                return PostResult.POSTED;
            }
        }
        markPendingIfStillBusy(page, slot);
        posts[sint][PostResult.BUSY.ordinal()]++;
        return PostResult.BUSY;
    }

    /** Sets msg_pending, then looks again: false if the guest emptied the slot meanwhile. */
    private static boolean markPendingIfStillBusy(MemorySegment page, long slot) {
        // message_flags is byte 5: bits 8-15 of the little-endian int at offset 4 (payload_size,
        // message_flags, reserved[2]); atomic access on a MemorySegment needs an aligned int.
        HEADER_WORD.getAndBitwiseOr(page, slot + 4, (int) MESSAGE_FLAG_PENDING << 8);
        return (int) TYPE.getVolatile(page, slot) != 0;
    }

    /**
     * Sets flag {@code flag} of SINT {@code sint} in the event page atomically and calls
     * {@code raise} if the flag was clear (QEMU's {@code hyperv_set_event_flag}). Returns 0, or
     * -22 (EINVAL) for a flag number out of range, -6 (ENXIO) when the SynIC or page is off.
     */
    public synchronized int setEventFlag(int sint, int flag, Runnable raise) {
        checkSint(sint);
        if (flag < 0 || flag >= EVENT_FLAGS) {
            return -22;
        }
        MemorySegment page = eventPage.segment();
        if (!enabled || page == null) {
            flags[sint][2]++;
            return -6;
        }
        long offset = (long) sint * SLOT_SIZE + (flag / 64) * 8L;
        long mask = 1L << (flag % 64); // little-endian host: bit n of the byte array is bit n of the word
        long old = (long) WORD.getAndBitwiseOr(page, offset, mask);
        if ((old & mask) == 0) {
            raise.run();
        }
        flags[sint][(old & mask) == 0 ? 0 : 1]++;
        return 0;
    }

    /** Counts a post a {@link SintRoute} refused itself ({@link PostResult#ROUTE_BUSY}). */
    synchronized void countRouteBusy(int sint) {
        checkSint(sint);
        posts[sint][PostResult.ROUTE_BUSY.ordinal()]++;
    }

    /**
     * Messages posted and event flags set, by SINT, for the VM's census: keys such as
     * "sint 2 message POSTED", "sint 2 message BUSY", "sint 3 event flag set" (a clear flag
     * set), "... already set", "... off" (no SynIC or event page). Read under the lock the
     * posting threads take, so the counts are consistent whichever thread posted.
     */
    public synchronized Map<String, Long> censusCounts() {
        Map<String, Long> out = new TreeMap<>();
        String[] flagKinds = {"set", "already set", "off"};
        for (int sint = 0; sint < SINT_COUNT; sint++) {
            for (PostResult r : PostResult.values()) {
                if (posts[sint][r.ordinal()] != 0) {
                    out.put("sint %d message %s".formatted(sint, r), posts[sint][r.ordinal()]);
                }
            }
            for (int k = 0; k < flagKinds.length; k++) {
                if (flags[sint][k] != 0) {
                    out.put("sint %d event flag %s".formatted(sint, flagKinds[k]), flags[sint][k]);
                }
            }
        }
        return out;
    }

    /** Back to the reset state: pages unmapped and zeroed, registers 0. */
    public synchronized void reset() {
        scontrol = simp = siefp = 0;
        enabled = false;
        messagePage.reset();
        eventPage.reset();
    }

    private static void checkSint(int sint) {
        if (sint < 0 || sint >= SINT_COUNT) {
            throw new IllegalArgumentException("SINT " + sint + " is outside 0.." + (SINT_COUNT - 1));
        }
    }
}
