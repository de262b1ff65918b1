// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import org.jvmm.vmm.kvm.KvmDiagnosis;
import org.jvmm.vmm.kvm.KvmHostFacts;

/**
 * The availability part of {@code jvmm probe}: the host facts (kvm module, KVM misc device, CPU
 * flag) in every report, and for a host without a usable KVM device the reason code and message.
 */
final class KvmAvailabilityReport {
    private KvmAvailabilityReport() {}

    /** {@code "host": {kvmModule, kvmMiscDevice, kvmMiscDeviceNumber, cpuVirtualization}}. */
    static void addHostJson(ObjectNode root, KvmHostFacts host) {
        ObjectNode h = root.putObject("host");
        h.put("kvmModule", host.kvmModule());
        h.put("kvmMiscDevice", host.kvmMiscDevice());
        host.miscDeviceNumber().ifPresentOrElse(n -> h.put("kvmMiscDeviceNumber", n),
                () -> h.putNull("kvmMiscDeviceNumber"));
        h.put("cpuVirtualization", host.cpuVirtualization().label());
    }

    /** {@code "available": false, "reason": {code, message}, "host": {...}} after {@code "device"}. */
    static void addUnavailableJson(ObjectNode root, KvmDiagnosis diagnosis) {
        root.put("available", false);
        ObjectNode reason = root.putObject("reason");
        reason.put("code", diagnosis.reason().code());
        reason.put("message", diagnosis.message());
        addHostJson(root, diagnosis.host());
    }

    static void printUnavailableText(KvmDiagnosis diagnosis, PrintWriter out) {
        out.printf("%s: KVM is unavailable (%s)%n", diagnosis.device(), diagnosis.reason().code());
        out.println("  " + diagnosis.message());
        KvmHostFacts host = diagnosis.host();
        out.println("Host:");
        out.printf("  %-38s %s%n", "kvm module (/sys/module/kvm)", host.kvmModule() ? "loaded" : "not loaded");
        out.printf("  %-38s %s%n", "KVM misc device (/sys/class/misc/kvm)", !host.kvmMiscDevice() ? "absent"
                : host.miscDeviceNumber().map(n -> "registered as " + n).orElse("registered"));
        out.printf("  %-38s %s%n", "CPU virtualisation (/proc/cpuinfo)", switch (host.cpuVirtualization()) {
            case VMX, SVM -> host.cpuVirtualization().label();
            case NONE -> "none (no vmx or svm flag)";
            case UNKNOWN -> "unknown (no flags line readable)";
        });
    }
}
