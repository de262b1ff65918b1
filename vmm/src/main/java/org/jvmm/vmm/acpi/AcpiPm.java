// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import java.util.Objects;
import org.jvmm.vmm.bus.BusDevice;
import org.jvmm.vmm.timer.NanoClock;
import org.jvmm.vmm.timer.PmTimer;

/**
 * The ACPI fixed-hardware registers the FADT points at (ACPI 6.5, section 4.8): the PM1 event
 * block (status and enable), the PM1 control block and a GPE0 block, at the port layout of
 * QEMU's ICH9 power management (base 0x600). The guest needs them for one thing today: to power
 * off, Linux writes the S5 sleep type from the DSDT's {@code \_S5} package with SLP_EN to PM1
 * control, and this device then calls {@code onPowerOff}. The PM timer at 0x608, the slot QEMU's
 * layout keeps for it, is read through to a {@link PmTimer} without taking this device's lock,
 * since a guest using it as its clocksource reads it far more often than anything else here.
 *
 * <p>There is no SMI command port, so the platform is always in ACPI mode: SCI_EN reads as 1
 * and cannot be cleared. No event is ever raised, so status bits stay 0 and the SCI (IRQ 9) is
 * never asserted; enable bits are kept for the guest to read back. Status bits are
 * write-1-to-clear. The guest may use any access size at any offset; the model works byte by
 * byte, so no combination of size and offset reaches outside the registers.
 */
public final class AcpiPm implements BusDevice {
    public static final int BASE = 0x600;
    /** PM1a event block: PM1_STS (2 bytes) then PM1_EN (2 bytes). */
    public static final int PM1_EVT = BASE;
    public static final int PM1_EVT_LEN = 4;
    /** PM1a control block: PM1_CNT (2 bytes). */
    public static final int PM1_CNT = BASE + 0x04;
    public static final int PM1_CNT_LEN = 2;
    /** PM timer block: the 32-bit TMR_VAL register, of which the low 24 bits count. */
    public static final int PM_TMR = BASE + 0x08;
    public static final int PM_TMR_LEN = 4;
    /** GPE0 block: GPE0_STS (2 bytes) then GPE0_EN (2 bytes). */
    public static final int GPE0 = BASE + 0x20;
    public static final int GPE0_LEN = 4;
    /** Ports this device answers, from {@link #BASE}. */
    public static final int PORT_COUNT = GPE0 + GPE0_LEN - BASE;
    /** The interrupt the FADT names as the SCI (QEMU's, and the PC convention). */
    public static final int SCI_IRQ = 9;
    /** The SLP_TYP value of S5 (soft off) in the DSDT's {@code \_S5} package. */
    public static final int S5_SLP_TYP = 0;

    /** PM1_CNT bits (section 4.8.3.2.1): SCI_EN (bit 0), SLP_TYP (bits 10-12), SLP_EN (bit 13). */
    static final int SCI_EN = 1;
    static final int SLP_TYP_SHIFT = 10;
    static final int SLP_EN = 1 << 13;

    private static final int TMR_FROM = PM_TMR - BASE;
    private static final int TMR_TO = TMR_FROM + PM_TMR_LEN;

    private final Runnable onPowerOff;
    private final PmTimer timer;
    /** Registers by offset from BASE; only the offsets listed above are ever stored. */
    private final byte[] regs = new byte[PORT_COUNT];

    /** With a PM timer on the host's monotonic clock. */
    public AcpiPm(Runnable onPowerOff) {
        this(onPowerOff, new PmTimer(NanoClock.HOST));
    }

    public AcpiPm(Runnable onPowerOff, PmTimer timer) {
        this.onPowerOff = Objects.requireNonNull(onPowerOff, "onPowerOff");
        this.timer = Objects.requireNonNull(timer, "timer");
        regs[PM1_CNT - BASE] = SCI_EN;
    }

    @Override
    public long read(long offset, int size) {
        int n = Math.clamp(size, 0, 8);
        boolean touchesTimer = offset < TMR_TO && offset + n > TMR_FROM;
        boolean onlyTimer = offset >= TMR_FROM && offset + n <= TMR_TO;
        long tmr = touchesTimer ? timer.value() : 0;
        long v = 0;
        if (!onlyTimer) {
            synchronized (this) {
                for (int i = 0; i < n; i++) {
                    long at = offset + i;
                    if (at >= 0 && at < PORT_COUNT) {
                        v |= (regs[(int) at] & 0xffL) << (8 * i); // the timer's bytes in regs stay 0
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            long at = offset + i;
            if (at >= TMR_FROM && at < TMR_TO) {
                v |= ((tmr >>> (8 * (at - TMR_FROM))) & 0xffL) << (8 * i);
            }
        }
        return v;
    }

    @Override
    public void write(long offset, int size, long value) {
        boolean powerOff = false;
        synchronized (this) {
            for (int i = 0; i < size && i < 8; i++) {
                long at = offset + i;
                if (at >= 0 && at < PORT_COUNT) {
                    powerOff |= writeByte((int) at, (int) (value >>> (8 * i)) & 0xff);
                }
            }
        }
        // Outside the lock: ending the VM stops every vCPU, and none may wait on this device then.
        if (powerOff) {
            onPowerOff.run();
        }
    }

    /** Applies one byte; true when it asks for S5. */
    private boolean writeByte(int at, int b) {
        int pm1Sts = PM1_EVT - BASE;
        int pm1En = pm1Sts + 2;
        int cnt = PM1_CNT - BASE;
        int gpeSts = GPE0 - BASE;
        int gpeEn = gpeSts + GPE0_LEN / 2;
        if ((at >= pm1Sts && at < pm1En) || (at >= gpeSts && at < gpeEn)) {
            regs[at] &= (byte) ~b; // write 1 to clear
        } else if ((at >= pm1En && at < pm1En + 2) || (at >= gpeEn && at < gpeEn + GPE0_LEN / 2)) {
            regs[at] = (byte) b;
        } else if (at == cnt) {
            regs[at] = (byte) (b | SCI_EN);
        } else if (at == cnt + 1) {
            // SLP_EN is write-only: it reads back 0, so only SLP_TYP is kept.
            regs[at] = (byte) (b & ~(SLP_EN >>> 8));
            int slpTyp = (b >>> (SLP_TYP_SHIFT - 8)) & 7;
            return (b & (SLP_EN >>> 8)) != 0 && slpTyp == S5_SLP_TYP;
        }
        return false; // the read-only timer, or a hole between the blocks: ignored
    }
}
