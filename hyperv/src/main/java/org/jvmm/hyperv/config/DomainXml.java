// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvConfigException;
import org.jvmm.hyperv.HvFeature;
import org.w3c.dom.Element;

/**
 * Reads the subset of a libvirt domain that jvmm runs: name, memory, vCPU count, direct kernel
 * boot and every place libvirt keeps Hyper-V settings:
 * <ul>
 * <li>{@code <features><hyperv>} ({@link LibvirtHyperv});</li>
 * <li>{@code <features><kvm><hidden state='on'/>} → {@code kvm=off};</li>
 * <li>{@code <clock><timer name='hypervclock' present='yes'/>} → {@code hv-time} (only with
 *     {@code present='yes'}, as libvirt's QEMU driver);</li>
 * <li>{@code <devices><panic model='hyperv'/>} → {@code hv-crash}.</li>
 * </ul>
 * and one platform setting: {@code <clock><timer name='hpet' present='no'/>} leaves the HPET
 * out (libvirt's QEMU driver passes {@code hpet=off}); {@code present='yes'} or no such timer
 * keeps it, as QEMU's {@code pc} machine has one by default.
 * {@code <maxMemory>} is the most memory the guest may grow to while it runs (as {@code --max-memory}).
 * Everything else ({@code <currentMemory>}, disks, ...) is ignored.
 */
public final class DomainXml {
    private DomainXml() {
    }

    /** libvirt's memory units (docs/formatdomain.rst, "Memory Allocation"). */
    private static final Map<String, Long> UNITS = Map.ofEntries(
            Map.entry("b", 1L), Map.entry("bytes", 1L),
            Map.entry("kb", 1000L), Map.entry("k", 1L << 10), Map.entry("kib", 1L << 10),
            Map.entry("mb", 1000_000L), Map.entry("m", 1L << 20), Map.entry("mib", 1L << 20),
            Map.entry("gb", 1000_000_000L), Map.entry("g", 1L << 30), Map.entry("gib", 1L << 30),
            Map.entry("tb", 1000_000_000_000L), Map.entry("t", 1L << 40),
            Map.entry("tib", 1L << 40),
            Map.entry("pb", 1000_000_000_000_000L), Map.entry("p", 1L << 50),
            Map.entry("pib", 1L << 50),
            Map.entry("eb", 1000_000_000_000_000_000L), Map.entry("e", 1L << 60),
            Map.entry("eib", 1L << 60));

    public static DomainSpec parse(Path file) {
        Element root = SafeXml.parse(file).getDocumentElement();
        try {
            return parse(root);
        } catch (HvConfigException e) {
            throw new HvConfigException(file + ": " + e.getMessage(), e);
        }
    }

    static DomainSpec parse(Element root) {
        if (!root.getTagName().equals("domain")) {
            throw new HvConfigException("root element is <" + root.getTagName()
                    + ">, expected <domain>");
        }
        Element nameEl = SafeXml.child(root, "name");
        String name = nameEl == null ? "" : nameEl.getTextContent().trim();
        if (name.isEmpty()) {
            throw new HvConfigException("<domain>: missing <name>");
        }
        long memory = memory(SafeXml.child(root, "memory"));
        // libvirt's maximum for memory added at run time (its slots attribute counts DIMMs, which
        // hot-add through dynamic memory does not use).
        Element maxMemoryEl = SafeXml.child(root, "maxMemory");
        long maxMemory = maxMemoryEl == null ? 0 : size(maxMemoryEl);
        int vcpus = vcpus(SafeXml.child(root, "vcpu"));

        String kernel = null;
        String initrd = null;
        String cmdline = null;
        Element os = SafeXml.child(root, "os");
        if (os != null) {
            kernel = text(SafeXml.child(os, "kernel"));
            initrd = text(SafeXml.child(os, "initrd"));
            cmdline = text(SafeXml.child(os, "cmdline"));
        }

        HvConfig.Builder hv = HvConfig.builder();
        boolean hpet = true;
        // The clock comes first, the same order as libvirt's -cpu string.
        Element clock = SafeXml.child(root, "clock");
        if (clock != null) {
            for (Element timer : SafeXml.children(clock)) {
                if (timer.getTagName().equals("timer")
                        && "hypervclock".equals(SafeXml.attr(timer, "name"))) {
                    // Only present='yes' turns hv-time on; without the attribute the timer is
                    // left at the hypervisor default, which for QEMU is off.
                    if (present(timer, false)) {
                        hv.feature(HvFeature.TIME, true);
                    }
                } else if (timer.getTagName().equals("timer") && "hpet".equals(SafeXml.attr(timer, "name"))) {
                    hpet = present(timer, true);
                }
            }
        }
        Element features = SafeXml.child(root, "features");
        if (features != null) {
            Element hyperv = SafeXml.child(features, "hyperv");
            if (hyperv != null) {
                LibvirtHyperv.apply(hyperv, hv);
            }
            Element kvm = SafeXml.child(features, "kvm");
            Element hidden = kvm == null ? null : SafeXml.child(kvm, "hidden");
            if (hidden != null) {
                hv.exposeKvm(!LibvirtHyperv.state(hidden, "<features><kvm><hidden>"));
            }
        }
        Element devices = SafeXml.child(root, "devices");
        if (devices != null) {
            for (Element dev : SafeXml.children(devices)) {
                if (dev.getTagName().equals("panic")
                        && "hyperv".equals(SafeXml.attr(dev, "model"))) {
                    hv.feature(HvFeature.CRASH, true);
                }
            }
        }
        return new DomainSpec(name, memory, vcpus, kernel, initrd, cmdline, hv.build(), hpet, maxMemory);
    }

    private static long memory(Element mem) {
        if (mem == null) {
            throw new HvConfigException("<domain>: missing <memory>");
        }
        return size(mem);
    }

    /** A size element ({@code <memory>}, {@code <maxMemory>}) in bytes, from its value and unit. */
    private static long size(Element mem) {
        String tag = mem.getTagName();
        String unitAttr = SafeXml.attr(mem, "unit");
        String unit = unitAttr == null ? "kib" : unitAttr.toLowerCase(Locale.ROOT);
        Long scale = UNITS.get(unit);
        if (scale == null) {
            throw new HvConfigException("<" + tag + " unit='" + unitAttr + "'>: unknown unit");
        }
        String text = mem.getTextContent().trim();
        if (!text.matches("[0-9]{1,19}")) {
            throw new HvConfigException("<" + tag + ">" + text + "</" + tag + ">: not an unsigned integer");
        }
        long value = Long.parseLong(text);
        if (value == 0) {
            throw new HvConfigException("<" + tag + ">0</" + tag + ">: memory size must be positive");
        }
        try {
            return Math.multiplyExact(value, scale);
        } catch (ArithmeticException e) {
            throw new HvConfigException("<" + tag + " unit='" + unitAttr + "'>" + text
                    + "</" + tag + ">: too large");
        }
    }

    private static int vcpus(Element vcpu) {
        if (vcpu == null) {
            return 1; // libvirt's default
        }
        String text = vcpu.getTextContent().trim();
        if (!text.matches("[0-9]{1,9}") || Integer.parseInt(text) == 0) {
            throw new HvConfigException("<vcpu>" + text + "</vcpu>: expected a positive integer");
        }
        return Integer.parseInt(text);
    }

    /** The timer's present attribute; {@code absent} when it has none. */
    private static boolean present(Element timer, boolean absent) {
        String p = SafeXml.attr(timer, "present");
        if (p == null) {
            return absent;
        }
        if (p.equals("yes")) {
            return true;
        }
        if (p.equals("no")) {
            return false;
        }
        throw new HvConfigException("<clock><timer name='" + SafeXml.attr(timer, "name") + "' present='" + p
                + "'>: invalid value for attribute 'present' (expected yes or no)");
    }

    private static String text(Element e) {
        return e == null ? null : e.getTextContent().trim();
    }
}
