// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.timer;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import org.jvmm.vmm.bus.BusDevice;
import org.jvmm.vmm.bus.IrqLine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IA-PC High Precision Event Timer (specification 1.0a) as QEMU's {@code pc} machine has it:
 * one block at 0xFED00000 with a 64-bit main counter at 100 MHz (period 10 ns), Intel's vendor ID
 * 0x8086, revision 1, legacy replacement routing and three comparators, each able to run
 * one-shot or periodic, 32- or 64-bit, edge- or level-triggered. Legacy replacement sends timer 0
 * to ISA IRQ 0 and timer 1 to IRQ 8; otherwise a timer goes to the I/O APIC input its route
 * field names, among those it advertises (input 2 only, as QEMU's {@code pc}). Legacy timer 0
 * drives GSI 0, which the PC wiring sends to the master 8259 and I/O APIC pin 2, where the MADT's
 * override puts IRQ 0 (GsiRouting); a timer routed to input 2 drives GSI 2, which reaches
 * nothing, as under QEMU with KVM (GsiRouting says why). No FSB (MSI) delivery, as in QEMU.
 *
 * <p>Design for concurrency. The main counter is not stored: it is computed from the host's
 * monotonic clock ({@link NanoClock}) and an immutable {@link HpetCounter} snapshot published
 * through a volatile field, so vCPUs reading the counter (Linux's {@code hpet} clocksource reads
 * little else) take no lock. Everything else (configuration, status, comparators, which GSI
 * lines are held high) is guarded by one lock, taken by vCPU threads for register accesses and
 * by a single host thread ({@link #start}) that raises the due interrupts. That thread sleeps on
 * a condition until the earliest deadline, and every guest write that can change a deadline
 * signals it. Interrupt lines are driven with the lock held, so the order of raise and lower
 * seen by KVM is the order of the state changes; KVM_IRQ_LINE never blocks, so the lock is
 * never held long.
 *
 * <p>A hostile guest cannot make the host thread spin: one timer interrupts at most once per
 * {@link #MIN_INTERVAL_NS} (a periodic timer programmed faster skips the matches in between, as
 * an interrupt controller coalesces edges), a comparator in the past fires once, soon, as in
 * QEMU, and a periodic timer with period 0 fires once, not in a loop. Every offset and size of
 * access is decoded byte by byte against the 1 KiB block; reserved registers read 0 and ignore
 * writes.
 */
public final class Hpet implements BusDevice, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Hpet.class);

    /** QEMU's HPET_BASE, where Linux and Windows find it through the ACPI HPET table. */
    public static final long BASE = 0xfed0_0000L;
    public static final int SIZE = 0x400;
    public static final int TIMERS = 3;
    static final long NANOS_PER_TICK = 10;
    static final long PERIOD_FS = NANOS_PER_TICK * 1_000_000;
    static final int VENDOR_INTEL = 0x8086;
    static final long LEGACY_ROUTE_CAP = 1L << 15;
    static final long COUNTER_64_CAP = 1L << 13;
    static final long CAPABILITIES = PERIOD_FS << 32 | (long) VENDOR_INTEL << 16 | LEGACY_ROUTE_CAP
            | COUNTER_64_CAP | (TIMERS - 1) << 8 | 1;
    /** The capabilities' low half, which the ACPI HPET table repeats (QEMU's 0x8086A201). */
    public static final int BLOCK_ID = (int) CAPABILITIES;
    /** The fastest one timer interrupts: 10 kHz, above the 8192 Hz Linux asks of its RTC emulation. */
    public static final long MIN_INTERVAL_NS = 100_000;
    /** {@link #MIN_INTERVAL_NS} in counter ticks, for the ACPI table's minimum clock tick. */
    public static final int MIN_TICKS = (int) (MIN_INTERVAL_NS / NANOS_PER_TICK);

    static final int REG_CAPABILITIES = 0x000;
    static final int REG_CONFIG = 0x010;
    static final int REG_STATUS = 0x020;
    static final int REG_COUNTER = 0x0f0;
    static final int REG_TIMER0 = 0x100;
    static final int TIMER_STRIDE = 0x20;
    static final int T_CONFIG = 0x00;
    static final int T_COMPARATOR = 0x08;
    static final int T_FSB = 0x10;
    static final long CFG_ENABLE = 1;
    static final long CFG_LEGACY = 2;
    /** Tn_INT_ROUTE_CAP: I/O APIC inputs a timer may be routed to outside legacy mode. */
    static final long ROUTE_CAP = 1L << 2;
    static final int LEGACY_TIMER0_GSI = 0;
    static final int LEGACY_TIMER1_GSI = 8;
    private static final int GSIS = 24;

    /** Told when legacy replacement routing turns on or off, to silence the PIT's IRQ 0. */
    @FunctionalInterface
    public interface LegacyListener {
        void legacyReplacement(boolean on);
    }

    private final NanoClock clock;
    private final IntFunction<IrqLine> gsiLines;
    private final LegacyListener legacyListener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile HpetCounter counter = new HpetCounter(false, 0, 0);
    // Guarded by lock:
    private final HpetTimer[] timers = new HpetTimer[TIMERS];
    private final IrqLine[] lines = new IrqLine[GSIS];
    /** Per GSI, the timers holding it high (level-triggered, status bit set). */
    private final int[] heldBy = new int[GSIS];
    private long config;
    private long status;
    private Thread thread;
    private boolean closed;

    /**
     * @param gsiLines the interrupt line of a GSI (KVM_IRQ_LINE on the in-kernel irqchip)
     * @param legacyListener told when the guest turns legacy replacement on or off
     */
    public Hpet(NanoClock clock, IntFunction<IrqLine> gsiLines, LegacyListener legacyListener) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.gsiLines = Objects.requireNonNull(gsiLines, "gsiLines");
        this.legacyListener = Objects.requireNonNull(legacyListener, "legacyListener");
        for (int i = 0; i < TIMERS; i++) {
            timers[i] = new HpetTimer(i);
        }
    }

    @Override
    public long read(long offset, int size) {
        int n = Math.clamp(size, 0, 8);
        if (offset >= REG_COUNTER && offset + n <= REG_COUNTER + 8) {
            return slice(counter.at(clock.nanoTime()), (int) (offset - REG_COUNTER), n); // lock-free
        }
        lock.lock();
        try {
            long now = clock.nanoTime();
            long v = 0;
            for (int i = 0; i < n && offset + i < SIZE; i++) {
                long at = offset + i;
                long reg = register((int) (at & ~7L), now);
                v |= ((reg >>> (8 * (at & 7))) & 0xffL) << (8 * i);
            }
            return v;
        } finally {
            lock.unlock();
        }
    }

    private static long slice(long reg, int from, int n) {
        long v = reg >>> (8 * from);
        return n >= 8 ? v : v & ((1L << (8 * n)) - 1);
    }

    private long register(int reg, long now) {
        switch (reg) {
            case REG_CAPABILITIES: return CAPABILITIES;
            case REG_CONFIG: return config;
            case REG_STATUS: return status;
            case REG_COUNTER: return counter.at(now);
            default: break;
        }
        HpetTimer t = timerAt(reg);
        if (t == null) {
            return 0;
        }
        return switch ((reg - REG_TIMER0) % TIMER_STRIDE) {
            case T_CONFIG -> t.config | HpetTimer.PERIODIC_CAP | HpetTimer.SIZE_64_CAP | ROUTE_CAP << 32;
            case T_COMPARATOR -> t.comparator;
            case T_FSB -> t.fsb;
            default -> 0;
        };
    }

    private HpetTimer timerAt(int reg) {
        int index = (reg - REG_TIMER0) / TIMER_STRIDE;
        return reg >= REG_TIMER0 && index < TIMERS ? timers[index] : null;
    }

    @Override
    public void write(long offset, int size, long value) {
        int n = Math.clamp(size, 0, 8);
        lock.lock();
        try {
            long now = clock.nanoTime();
            int i = 0;
            while (i < n && offset + i < SIZE) {
                int reg = (int) ((offset + i) & ~7L);
                long mask = 0;
                long bits = 0;
                for (; i < n && offset + i < reg + 8 && offset + i < SIZE; i++) {
                    int shift = 8 * (int) ((offset + i) & 7);
                    mask |= 0xffL << shift;
                    bits |= ((value >>> (8 * i)) & 0xffL) << shift;
                }
                writeRegister(reg, bits, mask, now);
            }
            updateLines();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static long merge(long old, long bits, long mask) {
        return (old & ~mask) | (bits & mask);
    }

    private void writeRegister(int reg, long bits, long mask, long now) {
        switch (reg) {
            case REG_CONFIG -> writeConfig(merge(config, bits, mask) & (CFG_ENABLE | CFG_LEGACY), now);
            case REG_STATUS -> status &= ~(bits & ((1L << TIMERS) - 1)); // write 1 to clear
            case REG_COUNTER -> {
                HpetCounter c = counter;
                if (!c.running()) { // the specification allows writes only while halted
                    counter = new HpetCounter(false, merge(c.value(), bits, mask), now);
                }
            }
            default -> {
                HpetTimer t = timerAt(reg);
                if (t != null) {
                    switch ((reg - REG_TIMER0) % TIMER_STRIDE) {
                        case T_CONFIG -> writeTimerConfig(t, bits, mask, now);
                        case T_COMPARATOR -> writeComparator(t, bits, mask, now);
                        case T_FSB -> t.fsb = merge(t.fsb, bits, mask);
                        default -> { } // reserved
                    }
                }
            }
        }
    }

    private void writeConfig(long next, long now) {
        long old = config;
        config = next;
        if ((old & CFG_ENABLE) == 0 && (next & CFG_ENABLE) != 0) {
            counter = new HpetCounter(true, counter.value(), now);
            for (HpetTimer t : timers) {
                if (t.enabled()) {
                    t.arm(counter, now);
                }
            }
        } else if ((old & CFG_ENABLE) != 0 && (next & CFG_ENABLE) == 0) {
            counter = new HpetCounter(false, counter.at(now), now);
            for (HpetTimer t : timers) {
                t.disarm();
            }
            status = 0; // as QEMU: halting withdraws every pending interrupt
        }
        if (((old ^ next) & CFG_LEGACY) != 0) {
            try {
                legacyListener.legacyReplacement((next & CFG_LEGACY) != 0);
            } catch (RuntimeException e) {
                LOG.warn("hpet: legacy replacement {}: {}", (next & CFG_LEGACY) != 0 ? "on" : "off", e.toString());
            }
        }
    }

    private void writeTimerConfig(HpetTimer t, long bits, long mask, long now) {
        boolean was = t.enabled();
        t.config = merge(t.config, bits, mask & HpetTimer.WRITABLE);
        if (t.mode32()) {
            t.comparator &= HpetTimer.LOW_32;
            t.period &= HpetTimer.LOW_32;
        }
        if (!was && t.enabled() && running()) {
            t.arm(counter, now);
        } else if (was && !t.enabled()) {
            t.disarm();
            status &= ~t.statusBit();
        }
    }

    /**
     * The comparator, as in the specification and QEMU: in periodic mode a write sets the period
     * and, only with VAL_SET, the comparator too; VAL_SET clears itself after one write.
     */
    private void writeComparator(HpetTimer t, long bits, long mask, long now) {
        long m = mask & t.widthMask();
        if (!t.periodic() || (t.config & HpetTimer.VAL_SET) != 0) {
            t.comparator = merge(t.comparator, bits, m);
        }
        if (t.periodic()) {
            // At most half the range, so that "the match is ahead" stays decidable (as QEMU).
            t.period = merge(t.period, bits, m) & (t.widthMask() >>> 1);
        }
        t.config &= ~HpetTimer.VAL_SET;
        if (running() && t.enabled()) {
            t.arm(counter, now);
        }
    }

    private boolean running() {
        return (config & CFG_ENABLE) != 0;
    }

    /**
     * Raises the interrupts due at {@code now} and reschedules their timers; returns the earliest
     * deadline left ({@link HpetTimer#NEVER} if none). The host thread calls it; tests call it
     * with a fake clock's time.
     */
    long runDue(long now) {
        lock.lock();
        try {
            long next = HpetTimer.NEVER;
            for (HpetTimer t : timers) {
                if (t.deadline <= now) {
                    fire(t, now);
                }
                next = Math.min(next, t.deadline);
            }
            updateLines();
            return next;
        } finally {
            lock.unlock();
        }
    }

    private void fire(HpetTimer t, long now) {
        t.fired(counter, now);
        int gsi = gsiOf(t);
        if (t.level()) {
            status |= t.statusBit(); // held high by updateLines until the guest clears it
        } else if (gsi >= 0 && heldBy[gsi] == 0) {
            line(gsi).pulse();
        }
    }

    /** Where the timer's interrupt goes now, or -1 if its route is not one it may use. */
    private int gsiOf(HpetTimer t) {
        if ((config & CFG_LEGACY) != 0 && t.index < 2) {
            return t.index == 0 ? LEGACY_TIMER0_GSI : LEGACY_TIMER1_GSI;
        }
        int route = t.route();
        return (ROUTE_CAP & (1L << route)) != 0 ? route : -1;
    }

    /** Drives each GSI to whether a level-triggered timer with its status bit set holds it. */
    private void updateLines() {
        int[] want = new int[GSIS];
        for (HpetTimer t : timers) {
            int gsi = gsiOf(t);
            if (gsi >= 0 && t.level() && t.enabled() && running() && (status & t.statusBit()) != 0) {
                want[gsi] |= 1 << t.index;
            }
        }
        for (int gsi = 0; gsi < GSIS; gsi++) {
            if ((want[gsi] != 0) != (heldBy[gsi] != 0)) {
                line(gsi).set(want[gsi] != 0);
            }
            heldBy[gsi] = want[gsi];
        }
    }

    private IrqLine line(int gsi) {
        if (lines[gsi] == null) {
            lines[gsi] = Objects.requireNonNull(gsiLines.apply(gsi), "no line for GSI " + gsi);
        }
        return lines[gsi];
    }

    /** Starts the host thread that raises the timers' interrupts; once. */
    public void start() {
        lock.lock();
        try {
            if (thread == null && !closed) {
                thread = Thread.ofPlatform().name("hpet").daemon(true).start(this::runTimers);
            }
        } finally {
            lock.unlock();
        }
    }

    private void runTimers() {
        lock.lock();
        try {
            while (!closed) {
                long now = clock.nanoTime();
                long next = runDue(now);
                if (next == HpetTimer.NEVER) {
                    changed.await();
                } else if (next > now) {
                    changed.awaitNanos(next - now);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("hpet: the timer thread stopped, the guest's HPET interrupts with it: {}", e.toString());
        } finally {
            lock.unlock();
        }
    }

    /** Stops the host thread; the registers stay readable. */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
