// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.timer.PmTimer;

/** The PM registers as Linux's ACPICA drives them, and as a hostile guest might. */
class AcpiPmTest {
    final AtomicInteger offs = new AtomicInteger();
    final AcpiPm pm = new AcpiPm(offs::incrementAndGet);
    static final int CNT = AcpiPm.PM1_CNT - AcpiPm.BASE;

    @Test
    void sciEnReadsOneWhateverTheGuestWrites() {
        assertEquals(1, pm.read(CNT, 2));
        pm.write(CNT, 2, 0);
        assertEquals(1, pm.read(CNT, 2), "always in ACPI mode: there is no SMI port to leave it");
    }

    @Test
    void slpEnWithTheS5TypePowersOffOnceAndReadsBackClear() {
        pm.write(CNT, 2, (AcpiPm.S5_SLP_TYP << 10) | (1 << 13) | 1);
        assertEquals(1, offs.get());
        assertEquals(0, pm.read(CNT, 2) & (1 << 13), "SLP_EN is write-only");
    }

    @Test
    void otherSleepTypesAndSlpTypWithoutSlpEnDoNothing() {
        pm.write(CNT, 2, (5 << 10) | (1 << 13)); // S-state the DSDT does not offer
        pm.write(CNT, 2, AcpiPm.S5_SLP_TYP << 10);
        assertEquals(0, offs.get());
    }

    @Test
    void aByteWriteToTheHighHalfOfPm1CntWorksToo() {
        pm.write(CNT + 1, 1, 1 << 5);
        assertEquals(1, offs.get());
    }

    @Test
    void statusIsWriteOneToClearAndEnableIsKept() {
        int en = AcpiPm.PM1_EVT - AcpiPm.BASE + 2;
        pm.write(en, 2, 0x0121);
        assertEquals(0x0121, pm.read(en, 2));
        pm.write(0, 2, 0xffff);
        assertEquals(0, pm.read(0, 2));
        int gpeEn = AcpiPm.GPE0 - AcpiPm.BASE + 2;
        pm.write(gpeEn, 2, 0x00ff);
        assertEquals(0x00ff, pm.read(gpeEn, 2));
    }

    @Test
    void accessesBeyondTheRegistersOrWiderThanThemAreHarmless() {
        pm.write(AcpiPm.PORT_COUNT - 1, 8, -1L);
        pm.write(-5, 4, -1L);
        pm.write(0x10, 4, -1L); // the hole between PM1 and GPE0
        assertEquals(0, pm.read(0x10, 4));
        assertEquals(0, pm.read(AcpiPm.PORT_COUNT, 4));
        assertEquals(0, offs.get());
    }

    @Test
    void thePmTimerReadsAt0x608InAnyWidthAndIgnoresWrites() {
        AtomicLong nanos = new AtomicLong(123_456_789L);
        AcpiPm timed = new AcpiPm(offs::incrementAndGet, new PmTimer(nanos::get));
        int tmr = AcpiPm.PM_TMR - AcpiPm.BASE;
        assertEquals(0, timed.read(tmr, 4));
        nanos.addAndGet(1_000_000_000L); // 3579545 = 0x369e99
        assertEquals(0x369e99, timed.read(tmr, 4));
        assertEquals(0x99, timed.read(tmr, 1));
        assertEquals(0x369e, timed.read(tmr + 1, 2));
        assertEquals(0, timed.read(tmr + 3, 1), "24 bits: the top byte is 0");
        timed.write(tmr, 4, 0);
        assertEquals(0x369e99, timed.read(tmr, 4));
        // One access across PM1_CNT's neighbourhood and the timer: each byte from its register.
        assertEquals(0x0036_9e99_0000_0001L, timed.read(CNT, 8));
        assertEquals(0x369e99L << 16, timed.read(CNT + 2, 8));
    }
}
