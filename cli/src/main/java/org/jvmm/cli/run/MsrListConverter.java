// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.util.ArrayList;
import java.util.List;
import org.jvmm.vmm.spi.MsrFilterRange;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --count-msrs LIST}: comma-separated MSR indices ({@code 0x174}, {@code 372}), inclusive
 * ranges ({@code 0x174-0x176}) and presets ({@code hv-vapic}), checked against what
 * KVM_X86_SET_MSR_FILTER accepts so a bad list fails as bad usage, naming the item, before any VM
 * exists.
 */
final class MsrListConverter implements ITypeConverter<List<MsrFilterRange>> {
    /**
     * hv-vapic: HV_X64_MSR_EOI, _ICR, _TPR and _VP_ASSIST_PAGE, 0x40000070..0x40000073 (TLFS
     * "Virtual Processor APIC registers"; QEMU's hyperv-proto.h).
     */
    static final long HV_VAPIC_FIRST = 0x40000070L;
    static final long HV_VAPIC_LAST = 0x40000073L;
    /** KVM_MSR_FILTER_MAX_RANGES in linux/kvm.h. */
    static final int MAX_RANGES = 16;
    /** KVM_MSR_FILTER_MAX_BITMAP_SIZE (0x600 bytes) x 8 bits: the MSRs one filter range covers. */
    static final long MAX_RANGE_MSRS = 0x600 * 8;
    /** x2APIC MSRs, which KVM never filters (kvm_msr_allowed in arch/x86/kvm/x86.c). */
    static final long X2APIC_FIRST = 0x800;
    static final long X2APIC_LAST = 0x8ff;

    private record Item(String text, long first, long last) {}

    @Override
    public List<MsrFilterRange> convert(String value) {
        return parse(value);
    }

    static List<MsrFilterRange> parse(String value) {
        List<Item> items = new ArrayList<>();
        for (String raw : value.split(",", -1)) {
            String text = raw.trim();
            Item item = item(text);
            for (Item other : items) {
                if (item.first <= other.last && other.first <= item.last) {
                    throw new TypeConversionException("'%s' overlaps '%s'".formatted(text, other.text));
                }
            }
            items.add(item);
        }
        if (items.size() > MAX_RANGES) {
            throw new TypeConversionException("%d ranges in '%s', but KVM filters at most %d".formatted(
                    items.size(), value, MAX_RANGES));
        }
        return items.stream().map(i -> new MsrFilterRange((int) i.first, (int) (i.last - i.first + 1), true, true)).toList();
    }

    private static Item item(String text) {
        if (text.isEmpty()) {
            throw new TypeConversionException("an empty item in the MSR list");
        }
        if (text.equals("hv-vapic")) {
            return new Item(text, HV_VAPIC_FIRST, HV_VAPIC_LAST);
        }
        int dash = text.indexOf('-');
        long first = index(dash < 0 ? text : text.substring(0, dash), text);
        long last = dash < 0 ? first : index(text.substring(dash + 1), text);
        if (last < first) {
            throw new TypeConversionException("'%s' ends before it starts".formatted(text));
        }
        if (last - first + 1 > MAX_RANGE_MSRS) {
            throw new TypeConversionException("'%s' spans %d MSRs, but one KVM filter range covers at most %d"
                    .formatted(text, last - first + 1, MAX_RANGE_MSRS));
        }
        return new Item(text, first, last);
    }

    /**
     * The first range that includes x2APIC MSRs, as written ("0x830", "0x700-0x800"): the filter
     * cannot count those, KVM's kvm_msr trace point can (--count-msrs-by trace).
     */
    static java.util.Optional<String> x2apicRange(List<MsrFilterRange> ranges) {
        for (MsrFilterRange r : ranges) {
            long first = Integer.toUnsignedLong(r.first());
            long last = first + r.count() - 1;
            if (first <= X2APIC_LAST && X2APIC_FIRST <= last) {
                return java.util.Optional.of(first == last ? "0x%x".formatted(first) : "0x%x-0x%x".formatted(first, last));
            }
        }
        return java.util.Optional.empty();
    }

    /** A 32-bit MSR index: 0x-prefixed hex or decimal (no octal: a leading 0 is just a digit). */
    private static long index(String s, String item) {
        String t = s.trim();
        boolean hex = t.startsWith("0x") || t.startsWith("0X");
        String digits = hex ? t.substring(2) : t;
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(c -> hex ? Character.digit(c, 16) >= 0 : c >= '0' && c <= '9')) {
            throw new TypeConversionException("'%s' is not an MSR index or range (e.g. 0x40000070, 0x174-0x176, hv-vapic)"
                    .formatted(item));
        }
        long v = Long.parseLong(digits, hex ? 16 : 10);
        if (v > 0xFFFF_FFFFL) {
            throw new TypeConversionException("'%s': MSR indices are 32-bit".formatted(item));
        }
        return v;
    }
}
