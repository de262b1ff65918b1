// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import org.jvmm.vmm.bus.BusDevice;

/**
 * The MC146818 RTC and CMOS RAM behind ports 0x70 (index) and 0x71 (data). The clock registers
 * show the host clock in UTC, which is what Linux assumes of an x86 RTC; guest writes to them are
 * ignored, so a guest cannot move the host's notion of its time. No update cycle is ever in
 * progress (UIP = 0) and there is no periodic or alarm interrupt.
 *
 * <p>The memory-size bytes follow QEMU's pc_cmos_init (hw/i386/pc.c), which SeaBIOS and old
 * kernels read: 0x15/0x16 base memory in KiB, 0x17/0x18 and 0x30/0x31 memory above 1 MiB in KiB
 * (capped at 0xFFFF), 0x34/0x35 memory above 16 MiB in 64 KiB units (capped at 0xFFFF), and
 * 0x5B..0x5D memory above 4 GiB in 64 KiB units. Other bytes are plain RAM that reads 0 until
 * written.
 */
public final class CmosRtc implements BusDevice {
    public static final int BASE = 0x70;
    public static final int PORT_COUNT = 2;

    static final int INDEX = 0;
    static final int DATA = 1;
    /** Bit 7 of the index port gates NMI on real boards; it is not part of the address. */
    static final int INDEX_MASK = 0x7f;

    static final int SECONDS = 0x00;
    static final int MINUTES = 0x02;
    static final int HOURS = 0x04;
    static final int WEEKDAY = 0x06;
    static final int DAY_OF_MONTH = 0x07;
    static final int MONTH = 0x08;
    static final int YEAR = 0x09;
    static final int STATUS_A = 0x0a;
    static final int STATUS_B = 0x0b;
    static final int STATUS_C = 0x0c;
    static final int STATUS_D = 0x0d;
    static final int CENTURY = 0x32; // IBM PC/AT location

    static final int A_DIVIDER_32KHZ_1024HZ = 0x26; // time base 32.768 kHz, rate 1024 Hz; UIP clear
    static final int A_UIP = 0x80;
    static final int B_24H = 0x02;
    static final int B_BINARY = 0x04; // DM: values in binary instead of BCD
    static final int D_VALID_RAM = 0x80;
    static final int HOUR_PM = 0x80;

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long UNIT_64K = 64 * KIB;

    private final Clock clock;
    private final byte[] ram = new byte[128];
    private int index;

    /**
     * @param ramBelow4g guest RAM below 4 GiB in bytes (including the first MiB)
     * @param ramAbove4g guest RAM from 4 GiB on
     */
    public CmosRtc(long ramBelow4g, long ramAbove4g, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ramBelow4g < 0 || ramAbove4g < 0) {
            throw new IllegalArgumentException("negative RAM size");
        }
        ram[STATUS_A] = A_DIVIDER_32KHZ_1024HZ;
        ram[STATUS_B] = B_24H;
        ram[STATUS_D] = (byte) D_VALID_RAM;
        put16(0x15, 640);
        long extendedKib = Math.min(Math.max(ramBelow4g - MIB, 0) / KIB, 0xffff);
        put16(0x17, (int) extendedKib);
        put16(0x30, (int) extendedKib);
        long above16m = Math.min(Math.max(ramBelow4g - 16 * MIB, 0) / UNIT_64K, 0xffff);
        put16(0x34, (int) above16m);
        long above4g = ramAbove4g / UNIT_64K;
        if (above4g > 0xff_ffff) {
            throw new IllegalArgumentException("RAM above 4 GiB too large for CMOS: 0x%x".formatted(ramAbove4g));
        }
        put16(0x5b, (int) above4g);
        ram[0x5d] = (byte) (above4g >>> 16);
    }

    private void put16(int at, int value) {
        ram[at] = (byte) value;
        ram[at + 1] = (byte) (value >>> 8);
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset == INDEX) {
            return index;
        }
        return offset == DATA ? readRegister(index) : 0xff;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) (value & 0xff);
        if (offset == INDEX) {
            index = v & INDEX_MASK;
        } else if (offset == DATA) {
            writeRegister(index, v);
        }
    }

    private int readRegister(int reg) {
        return switch (reg) {
            case SECONDS, MINUTES, HOURS, WEEKDAY, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> clockRegister(reg);
            case STATUS_C -> 0; // no interrupt flags, ever
            default -> ram[reg] & 0xff;
        };
    }

    private void writeRegister(int reg, int v) {
        switch (reg) {
            case SECONDS, MINUTES, HOURS, WEEKDAY, DAY_OF_MONTH, MONTH, YEAR, CENTURY, STATUS_C, STATUS_D -> {}
            case STATUS_A -> ram[STATUS_A] = (byte) (v & ~A_UIP);
            default -> ram[reg] = (byte) v; // includes status B: its format bits are honoured
        }
    }

    private int clockRegister(int reg) {
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(ZoneOffset.UTC));
        int b = ram[STATUS_B];
        int value = switch (reg) {
            case SECONDS -> now.getSecond();
            case MINUTES -> now.getMinute();
            case HOURS -> now.getHour();
            case WEEKDAY -> now.getDayOfWeek().getValue() % 7 + 1; // 1 = Sunday
            case DAY_OF_MONTH -> now.getDayOfMonth();
            case MONTH -> now.getMonthValue();
            case YEAR -> now.getYear() % 100;
            default -> now.getYear() / 100; // century
        };
        int pm = 0;
        if (reg == HOURS && (b & B_24H) == 0) {
            pm = value >= 12 ? HOUR_PM : 0;
            value = value % 12 == 0 ? 12 : value % 12;
        }
        return ((b & B_BINARY) != 0 ? value : bcd(value)) | pm;
    }

    static int bcd(int value) {
        return value / 10 << 4 | value % 10;
    }
}
