// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.jvmm.hyperv.HvProto.*;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code jvmm probe} reports about Hyper-V: every enlightenment with yes/no and the reason,
 * the host leaves passthrough would copy, and the {@code <hyperv>} block of a libvirt
 * domcapabilities document (libvirt 9.0 format, {@code <defaults>} as added in 11.9).
 */
public final class HvCapabilities {

    /** One row of the probe table; {@code reason} is null when supported. */
    public record Entry(HvFeature feature, boolean supported, String reason) {
    }

    /** libvirt's element order inside the {@code features} enum. */
    private static final List<String> LIBVIRT_ORDER = List.of("relaxed", "vapic", "spinlocks",
            "vpindex", "runtime", "synic", "stimer", "reset", "vendor_id", "frequencies",
            "reenlightenment", "tlbflush", "ipi", "evmcs", "avic", "emsr_bitmap", "xmm_input");

    private final HostHvSupport host;

    public HvCapabilities(HostHvSupport host) {
        this.host = host;
    }

    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (HvFeature f : HvFeature.values()) {
            String why = host.whyUnsupported(f);
            out.add(new Entry(f, why == null, why));
        }
        return out;
    }

    /** The host Hyper-V leaves (what hv-passthrough copies from). */
    public List<CpuidLeaf> passthroughLeaves() {
        return host.leaves();
    }

    /** A plain-text table for the CLI: one line per enlightenment. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("Hyper-V source: ").append(host.source()).append('\n');
        for (Entry e : entries()) {
            sb.append(String.format("  %-20s %-3s %s%n", e.feature().qemuName(),
                    e.supported() ? "yes" : "no", e.supported() ? "" : e.reason()));
        }
        return sb.toString();
    }

    /** The {@code <hyperv>} element of {@code virsh domcapabilities}, two-space indented. */
    public String domcapsXml() {
        if (!host.hypervAvailable()) {
            return "<hyperv supported='no'/>\n";
        }
        StringBuilder sb = new StringBuilder("<hyperv supported='yes'>\n");
        sb.append("  <enum name='features'>\n");
        for (String name : LIBVIRT_ORDER) {
            boolean listed = switch (name) {
                // Plain values, not CPUID bits: always available with Hyper-V.
                case "spinlocks", "vendor_id" -> true;
                default -> host.supports(HvFeature.byLibvirtName(name).orElseThrow());
            };
            if (listed) {
                sb.append("    <value>").append(name).append("</value>\n");
            }
        }
        sb.append("  </enum>\n");
        sb.append("  <defaults>\n");
        HvConfig pt = HvPassthrough.passthrough(HvConfig.defaults(), host);
        sb.append("    <spinlocks>").append(Integer.toUnsignedString(pt.spinlocks()))
                .append("</spinlocks>\n");
        subFeature(sb, "stimer_direct", HvFeature.STIMER_DIRECT);
        subFeature(sb, "tlbflush_direct", HvFeature.TLBFLUSH_DIRECT);
        subFeature(sb, "tlbflush_extended", HvFeature.TLBFLUSH_EXT);
        if (!pt.effectiveVendorId().isEmpty()) {
            sb.append("    <vendor_id>").append(escape(pt.effectiveVendorId()))
                    .append("</vendor_id>\n");
        }
        sb.append("  </defaults>\n");
        sb.append("</hyperv>\n");
        return sb.toString();
    }

    private void subFeature(StringBuilder sb, String name, HvFeature f) {
        if (host.supports(f)) {
            sb.append("    <").append(name).append(">on</").append(name).append(">\n");
        }
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '\'' -> sb.append("&apos;");
                case '"' -> sb.append("&quot;");
                default -> {
                    if (ch < 0x20 && ch != '\t') {
                        sb.append("&#").append((int) ch).append(';');
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** True when KVM can report the supported set directly (no legacy guessing). */
    public boolean modernDetection() {
        return host.hasCap(KVM_CAP_HYPERV_CPUID);
    }
}
