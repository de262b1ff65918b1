// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.oracle;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the test guest reports about the enlightenments it was given: the hypervisor CPUID leaves
 * (scripts/guest/cpuid-dump.c), Linux's Hyper-V and hypervisor-detection lines from dmesg
 * (timestamps stripped), the clocksource Linux chose and the ones it could have chosen, and where
 * IRQ 0 (the timer) arrives ("IO-APIC 2-edge timer": controller, pin, trigger, name). {@link #COMMAND} prints them, one
 * prefixed line each, so console noise between them does not matter.
 */
record GuestFacts(Map<Long, long[]> leaves, List<String> dmesg, String clocksource, String available, String irq0) {
    static final String COMMAND = "cpuid-dump; "
            + "dmesg | grep -E 'Hyper-V|Hypervisor detected' | sed -e 's/^\\[[^]]*\\] *//' -e 's/^/dmesg: /'; "
            + "dmesg | grep -E 'PM-Timer (had inconsistent|failed consistency)' | sed -e 's/^\\[[^]]*\\] *//' -e 's/^/pm-timer: /'; "
            + "echo clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource); "
            + "echo available=$(cat /sys/devices/system/clocksource/clocksource0/available_clocksource); "
            + "awk '$1 == \"0:\" { print \"irq0=\" $(NF-2), $(NF-1), $NF }' /proc/interrupts";

    /** The kernel command line word that runs {@link #COMMAND} in the test guest. */
    static String runWord() {
        return "jvmm.run=" + Base64.getEncoder().encodeToString(COMMAND.getBytes(StandardCharsets.UTF_8));
    }

    private static final Pattern LEAF = Pattern.compile(
            "cpuid 0x([0-9a-f]{8}) 0x0: eax=0x([0-9a-f]{8}) ebx=0x([0-9a-f]{8}) ecx=0x([0-9a-f]{8}) edx=0x([0-9a-f]{8})");
    private static final String[] REGS = {"eax", "ebx", "ecx", "edx"};

    /**
     * Linux's line saying it rejected the ACPI PM timer at boot (drivers/clocksource/acpi_pm.c),
     * from a transcript of {@link #COMMAND}, or null when it kept the timer. Not one of the
     * compared facts: see QemuOracleLabTest for when the lab causes it.
     */
    static String pmTimerRejection(String console) {
        return console.lines().map(l -> l.replace("\r", ""))
                .filter(l -> l.startsWith("pm-timer: ")).map(l -> l.substring("pm-timer: ".length()).strip())
                .findFirst().orElse(null);
    }

    /** Parses a console transcript; fails naming the VMM when a part is missing. */
    static GuestFacts parse(String vmm, String console) {
        Map<Long, long[]> leaves = new TreeMap<>();
        List<String> dmesg = new ArrayList<>();
        String clocksource = null;
        String available = null;
        String irq0 = null;
        for (String raw : console.split("\n")) {
            String line = raw.replace("\r", "");
            Matcher m = LEAF.matcher(line);
            if (m.find()) {
                long[] regs = new long[4];
                for (int i = 0; i < 4; i++) {
                    regs[i] = Long.parseLong(m.group(i + 2), 16);
                }
                leaves.put(Long.parseLong(m.group(1), 16), regs);
            } else if (line.startsWith("dmesg: ")) {
                dmesg.add(line.substring("dmesg: ".length()).strip());
            } else if (line.startsWith("clocksource=")) {
                clocksource = line.substring("clocksource=".length()).strip();
            } else if (line.startsWith("irq0=")) {
                irq0 = line.substring("irq0=".length()).strip();
            } else if (line.startsWith("available=")) {
                // Sorted: the order is registration order, which says nothing about the choice.
                String words = line.substring("available=".length()).strip();
                available = String.join(" ", new TreeSet<>(List.of(words.split("\\s+"))));
            }
        }
        if (leaves.isEmpty() || clocksource == null || available == null || irq0 == null) {
            throw new AssertionError(vmm + ": the guest printed no CPUID dump, clocksource or IRQ 0 line\n--- console:\n" + console);
        }
        return new GuestFacts(leaves, dmesg, clocksource, available, irq0);
    }

    /** The differences, one compact line each ("leaf 0x40000003 edx: jvmm 0x... qemu 0x..."). */
    List<String> diff(GuestFacts qemu) {
        List<String> out = new ArrayList<>();
        TreeMap<Long, Boolean> all = new TreeMap<>();
        leaves.keySet().forEach(k -> all.put(k, true));
        qemu.leaves.keySet().forEach(k -> all.put(k, true));
        for (long leaf : all.keySet()) {
            long[] j = leaves.get(leaf);
            long[] q = qemu.leaves.get(leaf);
            if (j == null || q == null) {
                out.add(String.format("leaf 0x%08x: dumped by %s only", leaf, j == null ? "qemu" : "jvmm"));
                continue;
            }
            for (int i = 0; i < 4; i++) {
                if (j[i] != q[i]) {
                    out.add(String.format("leaf 0x%08x %s: jvmm 0x%08x qemu 0x%08x (xor 0x%08x)",
                            leaf, REGS[i], j[i], q[i], j[i] ^ q[i]));
                }
            }
        }
        if (!dmesg.equals(qemu.dmesg)) {
            out.add("dmesg: jvmm " + dmesg + " qemu " + qemu.dmesg);
        }
        if (!clocksource.equals(qemu.clocksource)) {
            out.add("clocksource: jvmm " + clocksource + " qemu " + qemu.clocksource);
        }
        if (!available.equals(qemu.available)) {
            out.add("available clocksources: jvmm " + available + " qemu " + qemu.available);
        }
        if (!irq0.equals(qemu.irq0)) {
            out.add("IRQ 0: jvmm " + irq0 + " qemu " + qemu.irq0);
        }
        return out;
    }

    /**
     * What QEMU 8.1 and later show where QEMU 7.2 (the lab's) ran plain {@code hv-passthrough}:
     * since QEMU commit "i386: Exclude 'hv-syndbg' from 'hv-passthrough'" (2023, in 8.1)
     * passthrough leaves hv-syndbg off, which clears the debug-MSRs bit (0x40000003 EDX bit 11),
     * drops leaves 0x40000080..0x40000082 and lowers the maximum leaf from 0x40000082 to
     * 0x4000000A (nested features present) or 0x40000005. jvmm implements 8.1's rule. Every
     * other register still comes from QEMU 7.2 unchanged.
     */
    GuestFacts asQemu81Passthrough() {
        Map<Long, long[]> out = new TreeMap<>();
        long[] nested = leaves.get(0x4000000AL);
        long max = nested != null && nested[0] != 0 ? 0x4000000AL : 0x40000005L;
        for (Map.Entry<Long, long[]> e : leaves.entrySet()) {
            long leaf = e.getKey();
            long[] regs = e.getValue().clone();
            if (leaf > max && leaf < 0x40000080L) {
                continue; // no longer below the maximum, so cpuid-dump would not print it
            }
            if (leaf >= 0x40000080L && leaf <= 0x40000082L) {
                regs = new long[4];
            } else if (leaf == 0x40000000L) {
                regs[0] = max;
            } else if (leaf == 0x40000003L) {
                regs[3] &= ~0x800L;
            }
            out.put(leaf, regs);
        }
        return new GuestFacts(out, dmesg, clocksource, available, irq0);
    }

    /** Linux's one-line summary of the Hyper-V features, if it took the Hyper-V path. */
    String privilegeLine() {
        return dmesg.stream().filter(l -> l.startsWith("Hyper-V: privilege flags")).findFirst().orElse("(none)");
    }
}
