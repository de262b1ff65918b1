// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmm.vmm.memory.GuestMemory;

/**
 * Writes a complete set of ACPI tables into guest memory for a direct kernel boot, where no
 * firmware builds them: RSDP, XSDT, FADT (with FACS and DSDT), MADT and any extra tables the
 * platform has (the HPET's). They go where Firecracker
 * and cloud-hypervisor put theirs, from 0xE0000 in the BIOS area below 1 MiB that the e820 map
 * reserves, so the RSDP is also found by the legacy scan of 0xE0000-0xFFFFF; the kernel is told
 * its address directly through boot_params.acpi_rsdp_addr as well.
 *
 * <pre>{@code
 * AcpiTables.Written t = AcpiTables.write(mem, cpus, List.of(AcpiDevices.serial("COM1", 1, 0x3f8, 4)));
 * bootParams.acpiRsdp(t.rsdp());
 * }</pre>
 */
public final class AcpiTables {
    /** Where the RSDP goes: 16-byte aligned, inside the legacy scan window. */
    public static final long BASE = 0xe0000;
    /** The tables must end below 1 MiB, where high RAM starts. */
    public static final long LIMIT = 0x100000;
    static final int RSDP_SIZE = 36;
    static final int FACS_SIZE = 64;

    private AcpiTables() {}

    /** Where each table went (signature to address), and the RSDP's address. */
    public record Written(long rsdp, Map<String, Long> tables, Map<String, byte[]> bytes) {}

    /**
     * Builds the tables for {@code cpus} vCPUs and the given DSDT device objects (see {@link
     * AcpiDevices}) and writes them at {@link #BASE}.
     */
    public static Written write(GuestMemory mem, int cpus, long lapicBase, long ioapicBase, List<byte[]> devices) {
        return write(mem, cpus, lapicBase, ioapicBase, devices, List.of());
    }

    /**
     * As above, plus {@code extraTables}: complete tables (such as {@link HpetTable}'s) that the
     * XSDT lists after the MADT, each under its own signature, which must be new.
     */
    public static Written write(GuestMemory mem, int cpus, long lapicBase, long ioapicBase, List<byte[]> devices,
            List<byte[]> extraTables) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        Map<String, Long> at = new LinkedHashMap<>();
        long next = BASE + RSDP_SIZE;
        // The FACS must be 64-byte aligned (ACPI 6.5, 5.2.10); the rest only 16-byte, for tidiness.
        next = place("FACS", facs(), align(next, 64), bytes, at);
        next = place("DSDT", Dsdt.build(devices), align(next, 16), bytes, at);
        next = place("FACP", Fadt.build(at.get("FACS"), at.get("DSDT")), align(next, 16), bytes, at);
        next = place("APIC", Madt.build(cpus, lapicBase, ioapicBase), align(next, 16), bytes, at);
        List<Long> listed = new ArrayList<>(List.of(at.get("FACP"), at.get("APIC")));
        for (byte[] table : extraTables) {
            String sig = new String(table, 0, 4, StandardCharsets.US_ASCII);
            if (bytes.containsKey(sig)) {
                throw new IllegalArgumentException("a second ACPI table with signature " + sig);
            }
            next = place(sig, table, align(next, 16), bytes, at);
            listed.add(at.get(sig));
        }
        next = place("XSDT", xsdt(listed.stream().mapToLong(Long::longValue).toArray()), align(next, 16), bytes, at);
        if (next > LIMIT) {
            throw new IllegalStateException("ACPI tables end at 0x%x, past 1 MiB".formatted(next));
        }
        byte[] rsdp = rsdp(at.get("XSDT"));
        mem.write(BASE, rsdp);
        for (var e : bytes.entrySet()) {
            mem.write(at.get(e.getKey()), e.getValue());
        }
        bytes.put("RSDP", rsdp);
        at.put("RSDP", BASE);
        return new Written(BASE, Map.copyOf(at), Map.copyOf(bytes));
    }

    private static long place(String sig, byte[] table, long gpa, Map<String, byte[]> bytes, Map<String, Long> at) {
        bytes.put(sig, table);
        at.put(sig, gpa);
        return gpa + table.length;
    }

    private static long align(long v, int to) {
        return (v + to - 1) & -to;
    }

    /** XSDT: the 64-bit addresses of the other tables (the FADT leads to DSDT and FACS). */
    static byte[] xsdt(long... tables) {
        ByteBuffer b = ByteBuffer.allocate(8 * tables.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long t : tables) {
            b.putLong(t);
        }
        return AcpiTable.of("XSDT", 1, b.array());
    }

    /**
     * RSDP revision 2 (ACPI 6.5, 5.2.5.3): no RSDT (address 0), only the XSDT, as Firecracker's;
     * one checksum over the first 20 bytes, the extended one over all 36.
     */
    static byte[] rsdp(long xsdt) {
        byte[] r = new byte[RSDP_SIZE];
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
        b.put(AcpiTable.ascii("RSD PTR ")).put((byte) 0).put(AcpiTable.ascii(AcpiTable.OEM_ID)).put((byte) 2)
                .putInt(0).putInt(RSDP_SIZE).putLong(xsdt);
        r[8] = AcpiTable.checksum(r, 0, 20);
        r[32] = AcpiTable.checksum(r, 0, RSDP_SIZE);
        return r;
    }

    /** FACS (5.2.10), version 2: no waking vector and no global lock, which nothing here uses. */
    static byte[] facs() {
        byte[] f = new byte[FACS_SIZE];
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        b.put(AcpiTable.ascii("FACS")).putInt(FACS_SIZE);
        f[32] = 2;
        return f;
    }
}
