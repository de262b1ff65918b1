// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import static org.jvmm.vmm.devices.CmosRtc.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CmosRtcTest {
    private static final long MIB = 1 << 20;
    /** Tuesday 2026-11-24 16:07:59 UTC. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T16:07:59Z"), ZoneOffset.UTC);

    private final CmosRtc rtc = new CmosRtc(512 * MIB, 0, CLOCK);

    private int reg(CmosRtc r, int index) {
        r.write(INDEX, 1, index);
        return (int) r.read(DATA, 1);
    }

    private int reg(int index) {
        return reg(rtc, index);
    }

    @Test
    void timeIsBcdIn24HourMode() {
        assertEquals(0x59, reg(SECONDS));
        assertEquals(0x07, reg(MINUTES));
        assertEquals(0x16, reg(HOURS));
        assertEquals(0x03, reg(WEEKDAY)); // Sunday = 1
        assertEquals(0x24, reg(DAY_OF_MONTH));
        assertEquals(0x11, reg(MONTH));
        assertEquals(0x26, reg(YEAR));
        assertEquals(0x20, reg(CENTURY));
    }

    @Test
    void statusRegistersSayStableBcd24hWithValidRam() {
        assertEquals(0x26, reg(STATUS_A)); // UIP clear
        assertEquals(0x02, reg(STATUS_B));
        assertEquals(0x00, reg(STATUS_C));
        assertEquals(0x80, reg(STATUS_D));
    }

    @Test
    void nmiBitIsNotPartOfTheIndex() {
        assertEquals(0x59, reg(0x80 | SECONDS));
        assertEquals(0x00, rtc.read(INDEX, 1));
    }

    @Test
    void binaryAnd12HourModesFollowStatusB() {
        rtc.write(INDEX, 1, STATUS_B);
        rtc.write(DATA, 1, B_BINARY); // binary, 12-hour
        assertEquals(59, reg(SECONDS));
        assertEquals(0x80 | 4, reg(HOURS)); // 16h = 4 PM
        rtc.write(INDEX, 1, STATUS_B);
        rtc.write(DATA, 1, 0); // BCD, 12-hour
        assertEquals(0x80 | 0x04, reg(HOURS));
        CmosRtc midnight = new CmosRtc(0, 0, Clock.fixed(Instant.parse("2026-01-01T00:30:00Z"), ZoneOffset.UTC));
        midnight.write(INDEX, 1, STATUS_B);
        midnight.write(DATA, 1, 0);
        assertEquals(0x12, reg(midnight, HOURS)); // 00:30 is 12 AM
    }

    @Test
    void guestWritesDoNotMoveTheClock() {
        rtc.write(INDEX, 1, HOURS);
        rtc.write(DATA, 1, 0x01);
        assertEquals(0x16, reg(HOURS));
        rtc.write(INDEX, 1, STATUS_A);
        rtc.write(DATA, 1, 0xa6);
        assertEquals(0x26, reg(STATUS_A)); // UIP stays clear
    }

    @Test
    void memorySizeBytesFollowQemu() {
        assertEquals(0x80, reg(0x15)); // 640 KiB
        assertEquals(0x02, reg(0x16));
        int extKib = 512 * 1024 - 1024; // 0x7fc00: capped at 0xffff
        assertEquals(0xff, reg(0x17));
        assertEquals(0xff, reg(0x18));
        assertEquals(Math.min(extKib, 0xffff) & 0xff, reg(0x30));
        assertEquals(0xff, reg(0x31));
        int above16m = (512 - 16) * 16; // 64 KiB units
        assertEquals(above16m & 0xff, reg(0x34));
        assertEquals(above16m >> 8, reg(0x35));
        assertEquals(0, reg(0x5b));
    }

    @Test
    void smallGuestsReportExactExtendedMemory() {
        CmosRtc small = new CmosRtc(16 * MIB, 0, CLOCK);
        assertEquals(15 * 1024 & 0xff, reg(small, 0x30));
        assertEquals(15 * 1024 >> 8, reg(small, 0x31));
        assertEquals(0, reg(small, 0x34));
    }

    @Test
    void memoryAbove4GiBIn64KiBUnits() {
        CmosRtc big = new CmosRtc(3L << 30, 13L << 30, CLOCK);
        int units = 13 * 16384; // 0x34000
        assertEquals(units & 0xff, reg(big, 0x5b));
        assertEquals(units >> 8 & 0xff, reg(big, 0x5c));
        assertEquals(units >> 16, reg(big, 0x5d));
        assertEquals(0xbf, reg(big, 0x35)); // (3 GiB - 16 MiB) / 64 KiB = 0xbf00
    }

    @Test
    void unknownRegistersReadZeroAndPlainRamKeepsWrites() {
        assertEquals(0, reg(0x40));
        rtc.write(INDEX, 1, 0x0f); // shutdown status, written by Linux before waking APs
        rtc.write(DATA, 1, 0x0a);
        assertEquals(0x0a, reg(0x0f));
    }

    @Test
    void bcdEncodesTwoDigits() {
        assertEquals(0x00, CmosRtc.bcd(0));
        assertEquals(0x09, CmosRtc.bcd(9));
        assertEquals(0x10, CmosRtc.bcd(10));
        assertEquals(0x99, CmosRtc.bcd(99));
    }
}
