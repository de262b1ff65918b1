// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The classes of values written to the Hyper-V vAPIC MSRs, as the census names them. */
class HvVapicDataTest {
    private static String of(int msr, long value) {
        int c = HvVapicData.INSTANCE.classify(msr, value);
        return c < 0 ? null : HvVapicData.INSTANCE.describe(msr, c);
    }

    @Test
    void icrByModeShorthandDestinationAndVector() {
        // Linux's reschedule IPI to APIC 3 in xAPIC physical mode: destination in bits 56-63.
        assertEquals("ICR Fixed phys dest 0x03 vec 0xfd", of(HvVapicData.ICR, 3L << 56 | 0xfd));
        assertEquals("ICR Fixed logical dest 0x05 vec 0xfb", of(HvVapicData.ICR, 5L << 56 | 1 << 11 | 0xfb));
        // A shorthand makes the destination field irrelevant: one class whatever it holds.
        assertEquals("ICR Fixed self vec 0x40", of(HvVapicData.ICR, 7L << 56 | 1 << 18 | 0x40));
        assertEquals("ICR NMI all-but-self vec 0x00", of(HvVapicData.ICR, 3 << 18 | 4 << 8));
        assertEquals("ICR INIT all vec 0x00", of(HvVapicData.ICR, 2 << 18 | 5 << 8 | 1 << 14));
        assertEquals(HvVapicData.INSTANCE.classify(HvVapicData.ICR, 1 << 18 | 0x40),
                HvVapicData.INSTANCE.classify(HvVapicData.ICR, 9L << 56 | 1 << 18 | 0x40));
    }

    @Test
    void tprAssistPageAndEoi() {
        assertEquals("TPR 0x30", of(HvVapicData.TPR, 0x30));
        assertEquals("TPR above 0xff", of(HvVapicData.TPR, 0x1234));
        assertEquals("VP_ASSIST_PAGE enable", of(HvVapicData.VP_ASSIST_PAGE, 0x12345001L));
        assertEquals("VP_ASSIST_PAGE disable", of(HvVapicData.VP_ASSIST_PAGE, 0x12345000L));
        assertEquals(null, of(0x40000070, 0), "an EOI's value says nothing");
        assertEquals(null, of(0x174, 5), "not a vAPIC MSR");
    }

    @Test
    void everyClassFitsTheCensusKey() {
        for (long v : new long[] {-1L, 0xFFL << 56 | 0xFFFFFL, 0}) {
            int c = HvVapicData.INSTANCE.classify(HvVapicData.ICR, v);
            assertEquals(c, c & 0xFFFFFF, Long.toHexString(v));
        }
    }
}
