// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.config;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.hyperv.HvMode;
import org.w3c.dom.Element;

/**
 * Reads a libvirt {@code <features><hyperv>} element with libvirt's own value rules
 * (src/conf/domain_conf.c as of libvirt 11.9 / 12.x):
 * <ul>
 * <li>{@code mode} is custom (default), passthrough or host-model; in passthrough the children
 *     are ignored without being looked at, as libvirt does since 11.0;</li>
 * <li>every child needs {@code state='on'} or {@code 'off'};</li>
 * <li>{@code spinlocks retries} is at least 4095 and defaults to 4294967295 (never notify);</li>
 * <li>{@code vendor_id value} is required when on, at most 12 bytes, without commas;</li>
 * <li>unknown children, and unknown children of {@code stimer} / {@code tlbflush}, are errors.</li>
 * </ul>
 * Errors name the element and attribute and the offending value.
 */
public final class LibvirtHyperv {
    private LibvirtHyperv() {
    }

    /** libvirt's lower bound for the spinlock retry count (0xFFF). */
    public static final long MIN_SPINLOCK_RETRIES = 4095;

    public static HvConfig parse(Element hyperv) {
        HvConfig.Builder b = HvConfig.builder();
        apply(hyperv, b);
        return b.build();
    }

    /** Applies {@code <hyperv>} to a builder that may already carry other domain settings. */
    public static void apply(Element hyperv, HvConfig.Builder b) {
        String mode = SafeXml.attr(hyperv, "mode");
        if (mode == null || mode.equals("custom")) {
            b.mode(HvMode.CUSTOM);
        } else if (mode.equals("passthrough")) {
            b.mode(HvMode.PASSTHROUGH);
            return;
        } else if (mode.equals("host-model")) {
            b.mode(HvMode.HOST_MODEL);
        } else {
            throw new HvConfigException("<hyperv mode='" + mode + "'>: invalid value for"
                    + " attribute 'mode' (expected custom, passthrough or host-model)");
        }
        for (Element child : SafeXml.children(hyperv)) {
            String name = child.getTagName();
            boolean on = state(child, "<hyperv><" + name + ">");
            switch (name) {
                case "spinlocks" -> spinlocks(child, on, b);
                case "vendor_id" -> vendorId(child, on, b);
                case "stimer" -> {
                    b.feature(HvFeature.STIMER, on);
                    subFeatures(child, on, b);
                }
                case "tlbflush" -> {
                    b.feature(HvFeature.TLBFLUSH, on);
                    subFeatures(child, on, b);
                }
                default -> {
                    Optional<HvFeature> f = HvFeature.byLibvirtName(name);
                    if (f.isEmpty()) {
                        throw new HvConfigException("<hyperv><" + name + ">: unsupported"
                                + " Hyper-V enlightenment '" + name + "'");
                    }
                    b.feature(f.get(), on);
                }
            }
        }
    }

    /** The required on/off {@code state} attribute. */
    static boolean state(Element e, String where) {
        String s = SafeXml.attr(e, "state");
        if (s == null) {
            throw new HvConfigException(where + ": missing required attribute 'state'");
        }
        return switch (s) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new HvConfigException(where + " state='" + s
                    + "': invalid value for attribute 'state' (expected on or off)");
        };
    }

    private static void spinlocks(Element e, boolean on, HvConfig.Builder b) {
        if (!on) {
            return;
        }
        String r = SafeXml.attr(e, "retries");
        if (r == null) {
            return; // libvirt 11.9+: omitted means 0xFFFFFFFF, QEMU's own default
        }
        String where = "<hyperv><spinlocks retries='" + r + "'>";
        long v;
        if (!r.matches("[0-9]{1,10}")) {
            throw new HvConfigException(where + ": retries is not an unsigned integer");
        }
        v = Long.parseLong(r);
        if (v > 0xFFFFFFFFL) {
            throw new HvConfigException(where + ": retries is larger than 4294967295");
        }
        if (v < MIN_SPINLOCK_RETRIES) {
            throw new HvConfigException(where + ": the spinlock retry count must be at least "
                    + MIN_SPINLOCK_RETRIES);
        }
        b.spinlocks((int) v);
    }

    private static void vendorId(Element e, boolean on, HvConfig.Builder b) {
        if (!on) {
            return;
        }
        String v = SafeXml.attr(e, "value");
        if (v == null) {
            throw new HvConfigException("<hyperv><vendor_id state='on'>: missing required"
                    + " attribute 'value'");
        }
        String where = "<hyperv><vendor_id value='" + v + "'>";
        if (v.getBytes(StandardCharsets.UTF_8).length > 12) {
            throw new HvConfigException(where + ": the vendor_id value must not be more than"
                    + " 12 characters");
        }
        if (v.indexOf(',') >= 0) {
            throw new HvConfigException(where + ": invalid vendor_id value (commas are not"
                    + " allowed)");
        }
        b.vendorId(v);
    }

    /** {@code <stimer><direct/>} and {@code <tlbflush><direct/><extended/>}. */
    private static void subFeatures(Element parent, boolean parentOn, HvConfig.Builder b) {
        String p = parent.getTagName();
        for (Element child : SafeXml.children(parent)) {
            String name = child.getTagName();
            HvFeature f = switch (p + "/" + name) {
                case "stimer/direct" -> HvFeature.STIMER_DIRECT;
                case "tlbflush/direct" -> HvFeature.TLBFLUSH_DIRECT;
                case "tlbflush/extended" -> HvFeature.TLBFLUSH_EXT;
                default -> throw new HvConfigException("<hyperv><" + p + "><" + name
                        + ">: unsupported Hyper-V " + p + " feature '" + name + "'");
            };
            boolean on = state(child, "<hyperv><" + p + "><" + name + ">");
            // A sub-feature only means something while its parent is on.
            if (parentOn) {
                b.feature(f, on);
            }
        }
    }
}
