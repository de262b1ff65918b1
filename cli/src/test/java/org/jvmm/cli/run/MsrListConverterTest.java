// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.spi.MsrFilterRange;
import picocli.CommandLine.TypeConversionException;

/** {@code --count-msrs} lists: what they mean, and every way a list can be wrong. */
class MsrListConverterTest {
    private static MsrFilterRange rw(long first, int count) {
        return new MsrFilterRange((int) first, count, true, true);
    }

    @Test
    void indicesRangesAndThePreset() {
        assertEquals(List.of(rw(0x40000070L, 4)), MsrListConverter.parse("hv-vapic"));
        assertEquals(List.of(rw(0x40000070L, 4), rw(0x830 + 0x100, 1)), MsrListConverter.parse("0x40000070-0x40000073,0x930"));
        assertEquals(List.of(rw(0x174, 3), rw(0xc0000102L, 1), rw(10, 1)), MsrListConverter.parse("0x174-0x176, 0xC0000102,010"));
        assertEquals(List.of(rw(0xffffffffL, 1)), MsrListConverter.parse("0xffffffff"));
        assertEquals(List.of(rw(0x1000, 0x3000)), MsrListConverter.parse("0x1000-0x3fff"));
    }

    @Test
    void badListsAreRefusedNamingTheItem() {
        String[][] cases = {
                {"", "empty"},
                {"0x174,,0x175", "empty"},
                {"hv-apic", "'hv-apic'"},
                {"0x17g", "'0x17g'"},
                {"-5", "'-5'"},
                {"0x176-0x174", "'0x176-0x174' ends before it starts"},
                {"0x100000000", "32-bit"},
                {"99999999999", "'99999999999'"},
                {"0x1000-0x4000", "spans 12289 MSRs"},
                {"0x174-0x176,0x175", "'0x175' overlaps '0x174-0x176'"},
                {"hv-vapic,0x40000073", "'0x40000073' overlaps 'hv-vapic'"},
        };
        for (String[] c : cases) {
            TypeConversionException e = assertThrows(TypeConversionException.class, () -> MsrListConverter.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
    }

    @Test
    void x2apicRangesAreFoundForTheFilterToRefuse() {
        // The list itself may name them (kvm_msr traces them); StatsOptions refuses them for the filter.
        assertEquals(java.util.Optional.of("0x830"), MsrListConverter.x2apicRange(MsrListConverter.parse("hv-vapic,0x830")));
        assertEquals(java.util.Optional.of("0x700-0x800"), MsrListConverter.x2apicRange(MsrListConverter.parse("0x700-0x800")));
        assertEquals(java.util.Optional.empty(), MsrListConverter.x2apicRange(MsrListConverter.parse("0x7ff,0x900")));
    }

    @Test
    void atMostSixteenRanges() {
        String sixteen = IntStream.range(0, 16).mapToObj(i -> "0x" + Integer.toHexString(0x174 + 2 * i)).collect(Collectors.joining(","));
        assertEquals(16, MsrListConverter.parse(sixteen).size());
        TypeConversionException e = assertThrows(TypeConversionException.class,
                () -> MsrListConverter.parse(sixteen + ",0x1"));
        assertTrue(e.getMessage().contains("17 ranges") && e.getMessage().contains("at most 16"), e.getMessage());
    }
}
