// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.oracle;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * One Hyper-V configuration the oracle test boots under both VMMs: its QEMU {@code -cpu} flags
 * (given verbatim to {@code jvmm run --hv} and appended to QEMU's {@code -cpu host,...}), whether
 * both must refuse it (a dependency violation) instead of booting, and options only jvmm gets
 * (the census, which must leave what the guest sees unchanged).
 */
record OracleConfig(String name, String hvFlags, boolean mustFail, List<String> jvmmOptions) {
    /**
     * The census with every Hyper-V vAPIC MSR access sent through jvmm: the guest must still see
     * exactly what QEMU's guest sees (issue 11).
     */
    static final List<String> CENSUS = List.of("--stats", "--count-msrs", "hv-vapic");

    OracleConfig {
        jvmmOptions = List.copyOf(jvmmOptions);
    }

    /** The enlightenments libvirt and Windows guests commonly use; no hv-evmcs: the lab is AMD. */
    static final String WINDOWS = "hv-relaxed,hv-vapic,hv-spinlocks=0x1fff,hv-vpindex,hv-runtime,hv-synic,"
            + "hv-stimer,hv-stimer-direct,hv-time,hv-frequencies,hv-tlbflush,hv-ipi";

    /**
     * The configurations to run: all, or those named in the comma-separated environment
     * variable {@code JVMM_ORACLE_CONFIGS} (for development; hvlab passes JVMM_* variables in),
     * then narrowed to this run's share by {@code JVMM_ORACLE_SHARD} (see {@link #inShard}).
     */
    static List<OracleConfig> selected() {
        List<OracleConfig> named = named(System.getenv("JVMM_ORACLE_CONFIGS"));
        String shard = System.getenv("JVMM_ORACLE_SHARD");
        if (shard == null || shard.isBlank()) {
            return named;
        }
        return IntStream.range(0, named.size()).filter(i -> inShard(shard, i)).mapToObj(named::get).toList();
    }

    /** All configurations, or the ones {@code only} names (comma-separated) when it is set. */
    private static List<OracleConfig> named(String only) {
        if (only == null || only.isBlank()) {
            return all();
        }
        List<String> names = List.of(only.split(","));
        List<OracleConfig> picked = all().stream().filter(c -> names.contains(c.name())).toList();
        if (picked.size() != names.size()) {
            throw new IllegalArgumentException("JVMM_ORACLE_CONFIGS names an unknown configuration: " + only);
        }
        return picked;
    }

    /**
     * Whether configuration number {@code index} (from 0) belongs to {@code shard}, written
     * "K/N" or "K1,K2/N" (K from 1 to N): configuration i goes to share (i mod N) + 1. Two labs
     * run the oracle side by side this way, one per host core (scripts/lab-tests).
     */
    static boolean inShard(String shard, int index) {
        Matcher m = Pattern.compile("([1-9][0-9]*(?:,[1-9][0-9]*)*)/([1-9][0-9]*)").matcher(shard.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("JVMM_ORACLE_SHARD must look like 1/2 or 2,3/3, not: " + shard);
        }
        int n = Integer.parseInt(m.group(2));
        for (String k : m.group(1).split(",")) {
            int share = Integer.parseInt(k);
            if (share > n) {
                throw new IllegalArgumentException("JVMM_ORACLE_SHARD names share " + share + " of " + n + ": " + shard);
            }
            if (index % n == share - 1) {
                return true;
            }
        }
        return false;
    }

    static List<OracleConfig> all() {
        return List.of(
                boots("windows", WINDOWS),
                // With KVM's signature visible Linux prefers KVM (its base 0x40000100 outranks
                // Hyper-V's); hidden, Linux takes the Hyper-V path and prints its feature line.
                // ... and jvmm runs it with the census on: Linux then writes HV_X64_MSR_EOI, which
                // jvmm counts and has KVM carry out; the guest must not notice. (Cheaper than a
                // configuration of its own: the plain Windows set is still compared above.)
                new OracleConfig("windows-kvm-off", WINDOWS + ",kvm=off", false, CENSUS),
                boots("relaxed", "hv-relaxed"),
                boots("relaxed-kvm-off", "hv-relaxed,kvm=off"),
                boots("vendor-id", "hv-relaxed,hv-vendor-id=KVMKVMKVM"),
                // QEMU 7.2 also turns hv-syndbg on in passthrough mode; 8.1 stopped that and jvmm
                // follows 8.1 (see GuestFacts#asQemu81Passthrough). With hv-syndbg given
                // explicitly both QEMU generations and jvmm agree exactly.
                boots("passthrough", "hv-passthrough"),
                boots("passthrough-syndbg", "hv-passthrough,hv-syndbg"),
                boots("enforce-cpuid", "hv-enforce-cpuid,hv-relaxed,hv-vpindex,hv-time,kvm=off"),
                boots("syndbg", "hv-syndbg,hv-relaxed,hv-time,hv-vapic,hv-vpindex,hv-synic,hv-runtime,hv-stimer"),
                boots("no-nonarch-coresharing", "hv-relaxed,hv-no-nonarch-coresharing=on"),
                boots("emsr-bitmap", "hv-emsr-bitmap"),
                fails("synic-without-vpindex", "hv-synic"),
                fails("stimer-without-time", "hv-vpindex,hv-synic,hv-stimer"),
                fails("syndbg-without-relaxed", "hv-vpindex,hv-synic,hv-syndbg"),
                // On a host kernel without hv-tlbflush-ext (the lab's 6.1) both VMMs refuse it as
                // unsupported before they get to the missing hv-tlbflush.
                fails("tlbflush-ext-without-tlbflush", "hv-vpindex,hv-tlbflush-ext"));
    }

    private static OracleConfig boots(String name, String flags) {
        return new OracleConfig(name, flags, false, List.of());
    }

    private static OracleConfig fails(String name, String flags) {
        return new OracleConfig(name, flags, true, List.of());
    }

    @Override
    public String toString() {
        return name + " [" + hvFlags + "]" + (jvmmOptions.isEmpty() ? "" : " jvmm " + String.join(" ", jvmmOptions));
    }
}
