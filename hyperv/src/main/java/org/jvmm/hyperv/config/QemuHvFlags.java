// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.hyperv.OnOffAuto;

/**
 * Parses the Hyper-V part of a QEMU {@code -cpu} option, e.g.
 * {@code hv-relaxed,hv-vpindex,hv-spinlocks=0x1fff,hv-vendor-id=KVMKVMKVM,kvm=off}.
 *
 * <p>Follows QEMU's {@code x86_cpu_parse_featurestr} and property parsers: items are separated by
 * commas (empty items are skipped), a bare name means {@code =on}, underscores in names read as
 * hyphens ({@code hv_relaxed}), {@code +name}/{@code -name} are the legacy on/off forms (exact
 * names only) and win over {@code name=value} wherever they appear, later {@code name=value}
 * items override earlier ones. Booleans take on/yes/true/y and off/no/false/n (case-sensitive, as QEMU); numbers take
 * decimal, {@code 0x} hex or leading-zero octal, like {@code strtoull} base 0.
 */
public final class QemuHvFlags {
    private QemuHvFlags() {
    }

    /** The parsed configuration and the warnings QEMU would print (e.g. vendor truncation). */
    public record Result(HvConfig config, List<String> warnings) {
    }

    public static Result parse(String flags) {
        HvConfig.Builder b = HvConfig.builder();
        List<String> warnings = new ArrayList<>();
        // Legacy +feat/-feat are applied after everything else, whatever their position.
        Map<String, Boolean> plusMinus = new LinkedHashMap<>();
        int build = HvConfig.HvVersion.DEFAULT.build();
        int major = HvConfig.HvVersion.DEFAULT.major();
        int minor = HvConfig.HvVersion.DEFAULT.minor();
        int spack = HvConfig.HvVersion.DEFAULT.servicePack();
        int sbranch = HvConfig.HvVersion.DEFAULT.serviceBranch();
        int snumber = HvConfig.HvVersion.DEFAULT.serviceNumber();
        for (String item : flags.split(",", -1)) {
            if (item.isEmpty()) {
                continue;
            }
            if (item.charAt(0) == '+' || item.charAt(0) == '-') {
                // QEMU keeps these names verbatim (no underscore conversion) and sets the
                // property of exactly that name, so hv_relaxed is unknown here.
                String name = item.substring(1);
                if (name.indexOf('_') >= 0
                        || HvFeature.byQemuName(name).isEmpty() && !isBoolProp(name)) {
                    throw new HvConfigException("unknown Hyper-V CPU flag '" + item + "'");
                }
                plusMinus.put(name, item.charAt(0) == '+');
                continue;
            }
            int eq = item.indexOf('=');
            String name = (eq < 0 ? item : item.substring(0, eq)).replace('_', '-');
            String value = eq < 0 ? "on" : item.substring(eq + 1);
            if (plusMinus.containsKey(name)) {
                warnings.add("ambiguous CPU flags: '" + (plusMinus.get(name) ? "+" : "-")
                        + name + "' and '" + name + "=" + value + "' both given; the"
                        + " +/- form wins");
            }
            Optional<HvFeature> feature = HvFeature.byQemuName(name);
            if (feature.isPresent()) {
                b.feature(feature.get(), bool(name, value));
                continue;
            }
            switch (name) {
                case "hv-spinlocks" -> b.spinlocks((int) unsigned(name, value, 32));
                case "hv-vendor-id" -> {
                    b.vendorId(value);
                    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                    if (bytes.length > 12) {
                        warnings.add("hv-vendor-id '" + value + "' is longer than 12 bytes;"
                                + " only '" + new String(bytes, 0, 12, StandardCharsets.UTF_8)
                                + "' is used");
                    }
                }
                case "hv-version-id-build" -> build = (int) unsigned(name, value, 32);
                case "hv-version-id-major" -> major = (int) unsigned(name, value, 16);
                case "hv-version-id-minor" -> minor = (int) unsigned(name, value, 16);
                case "hv-version-id-spack" -> spack = (int) unsigned(name, value, 32);
                case "hv-version-id-sbranch" -> sbranch = (int) unsigned(name, value, 8);
                case "hv-version-id-snumber" -> snumber = (int) unsigned(name, value, 32);
                case "hv-passthrough" -> b.passthrough(bool(name, value));
                case "hv-enforce-cpuid" -> b.enforceCpuid(bool(name, value));
                case "hv-no-nonarch-coresharing" -> b.noNonarchCoresharing(onOffAuto(name, value));
                case "x-hv-max-vps" -> b.maxVps(signed32(name, value));
                case "kvm" -> b.exposeKvm(bool(name, value));
                case "x-hv-synic-kvm-only" -> throw new HvConfigException(
                        "x-hv-synic-kvm-only (SynIC without QEMU's userspace part, for pc-*-3.0"
                                + " machines) is not supported");
                default -> throw new HvConfigException("unknown Hyper-V CPU flag '" + item + "'");
            }
        }
        plusMinus.forEach((name, on) -> {
            Optional<HvFeature> f = HvFeature.byQemuName(name);
            if (f.isPresent()) {
                b.feature(f.get(), on);
            } else if (name.equals("hv-passthrough")) {
                b.passthrough(on);
            } else if (name.equals("hv-enforce-cpuid")) {
                b.enforceCpuid(on);
            } else {
                b.exposeKvm(on);
            }
        });
        b.version(new HvConfig.HvVersion(build, major, minor, spack, sbranch, snumber));
        return new Result(b.build(), List.copyOf(warnings));
    }

    private static boolean isBoolProp(String name) {
        return name.equals("hv-passthrough") || name.equals("hv-enforce-cpuid")
                || name.equals("kvm");
    }

    /** QEMU's {@code qapi_bool_parse}. */
    static boolean bool(String name, String value) {
        return switch (value) {
            case "on", "yes", "true", "y" -> true;
            case "off", "no", "false", "n" -> false;
            default -> throw new HvConfigException(name + "=" + value
                    + ": expected on/off (also yes/no, true/false, y/n)");
        };
    }

    private static OnOffAuto onOffAuto(String name, String value) {
        return switch (value) {
            case "on" -> OnOffAuto.ON;
            case "off" -> OnOffAuto.OFF;
            case "auto" -> OnOffAuto.AUTO;
            default -> throw new HvConfigException(name + "=" + value
                    + ": expected on, off or auto");
        };
    }

    /** An unsigned number of {@code bits} width in strtoull base-0 syntax. */
    static long unsigned(String name, String value, int bits) {
        long max = (1L << bits) - 1;
        long v = parseBase0(name, value);
        if (v < 0 || v > max) {
            throw new HvConfigException(name + "=" + value + ": out of range 0.." + max);
        }
        return v;
    }

    private static int signed32(String name, String value) {
        boolean negative = value.startsWith("-");
        long v = parseBase0(name, negative ? value.substring(1) : value);
        v = negative ? -v : v;
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new HvConfigException(name + "=" + value + ": out of range for a 32-bit"
                    + " signed value");
        }
        return (int) v;
    }

    private static long parseBase0(String name, String value) {
        boolean hex = value.startsWith("0x") || value.startsWith("0X");
        boolean octal = !hex && value.length() > 1 && value.startsWith("0");
        String digits = hex ? value.substring(2) : octal ? value.substring(1) : value;
        int radix = hex ? 16 : octal ? 8 : 10;
        // ASCII only: Character.digit would also accept other scripts' digits.
        if (digits.isEmpty() || digits.length() > 20 || !digits.chars().allMatch(
                ch -> ch < 128 && Character.digit(ch, radix) >= 0)) {
            throw new HvConfigException(name + "=" + value + ": not a number");
        }
        try {
            return Long.parseLong(digits, radix);
        } catch (NumberFormatException e) {
            throw new HvConfigException(name + "=" + value + ": out of range");
        }
    }
}
