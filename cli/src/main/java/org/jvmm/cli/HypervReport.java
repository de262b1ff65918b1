// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jvmm.hyperv.CpuidLeaf;
import org.jvmm.hyperv.HostHvSupport;
import org.jvmm.hyperv.HvCapabilities;
import org.jvmm.hyperv.kvm.HostHvFacts;

/**
 * The Hyper-V part of {@code jvmm probe}: every enlightenment with yes/no and why, the leaves
 * hv-passthrough would copy, and libvirt's domcapabilities {@code <hyperv>} element.
 *
 * @param kvmUsable false for the report of a host without a usable KVM device, which keeps the
 *                  same shape (every enlightenment "no") so consumers need no second parser
 */
record HypervReport(HostHvFacts facts, HvCapabilities capabilities, boolean kvmUsable) {
    /** The sentence for a host whose KVM has no Hyper-V at all; probe still succeeds there. */
    static final String NO_HYPERV = "Hyper-V: this host's KVM offers no Hyper-V enlightenments"
            + " (KVM_CAP_HYPERV is 0, as on kernels built without CONFIG_KVM_HYPERV), so jvmm refuses"
            + " Hyper-V settings here.";
    /** The sentence for a host without a usable KVM device. */
    static final String NO_KVM = "Hyper-V: no usable KVM, so no Hyper-V enlightenments either;"
            + " jvmm refuses Hyper-V settings here.";
    /** Each enlightenment's reason when there is no KVM to ask. */
    static final String NO_KVM_REASON = "no usable KVM device";

    static HypervReport of(HostHvFacts facts) {
        return new HypervReport(facts, new HvCapabilities(facts.support()), true);
    }

    /** The report for a host whose KVM device cannot be used: nothing is supported. */
    static HypervReport withoutKvm() {
        HostHvSupport none = HostHvSupport.none();
        return new HypervReport(new HostHvFacts(Map.of(), HostHvFacts.HvCpuidForm.NOT_AVAILABLE, List.of(),
                Set.of(), none), new HvCapabilities(none), false);
    }

    boolean available() {
        return facts.support().hypervAvailable();
    }

    void printText(PrintWriter out) {
        if (!available()) {
            out.println(kvmUsable ? NO_HYPERV : NO_KVM);
            return;
        }
        out.println("Hyper-V enlightenments (KVM_GET_SUPPORTED_HV_CPUID: " + facts.hvCpuidForm() + "):");
        for (HvCapabilities.Entry e : capabilities.entries()) {
            out.printf("  %-28s %-3s %s%n", e.feature().qemuName()
                    + e.feature().libvirtName().map(n -> " (" + n + ")").orElse(""),
                    e.supported() ? "yes" : "no", e.supported() ? "" : e.reason());
        }
        out.println("Passthrough leaves (what hv-passthrough copies):");
        for (CpuidLeaf l : capabilities.passthroughLeaves()) {
            out.printf("  0x%08x: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x%n",
                    l.function(), l.eax(), l.ebx(), l.ecx(), l.edx());
        }
    }

    void addJson(ObjectNode root) {
        ObjectNode hv = root.putObject("hyperv");
        hv.put("available", available());
        hv.put("source", facts.support().source().name());
        hv.put("hvCpuidIoctl", facts.hvCpuidForm().name());
        if (!available()) {
            hv.put("summary", kvmUsable ? NO_HYPERV : NO_KVM);
        }
        ArrayNode list = hv.putArray("enlightenments");
        for (HvCapabilities.Entry e : capabilities.entries()) {
            ObjectNode n = list.addObject();
            n.put("qemu", e.feature().qemuName());
            e.feature().libvirtName().ifPresentOrElse(name -> n.put("libvirt", name), () -> n.putNull("libvirt"));
            n.put("supported", e.supported());
            if (e.reason() == null) {
                n.putNull("reason");
            } else {
                n.put("reason", kvmUsable ? e.reason() : NO_KVM_REASON);
            }
        }
        ArrayNode leaves = hv.putArray("passthroughLeaves");
        for (CpuidLeaf l : capabilities.passthroughLeaves()) {
            ObjectNode n = leaves.addObject();
            n.put("function", hex(l.function()));
            n.put("eax", hex(l.eax()));
            n.put("ebx", hex(l.ebx()));
            n.put("ecx", hex(l.ecx()));
            n.put("edx", hex(l.edx()));
        }
        hv.put("domcapabilities", capabilities.domcapsXml());
    }

    String domcapsXml() {
        return capabilities.domcapsXml();
    }

    private static String hex(int v) {
        return String.format("0x%08x", v);
    }
}
