// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import org.jvmm.bindings.kvm.kvm_h;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import org.jvmm.hyperv.kvm.HostHvProbe;
import org.jvmm.vmm.kvm.Kvm;

/**
 * The KVM facts {@code jvmm probe} reports: the API version and the capabilities this project
 * depends on, in a fixed order so text and JSON output are stable.
 */
record KvmHostReport(String device, int apiVersion, Map<String, Integer> capabilities) {

    /** The capabilities that matter to jvmm, by their linux/kvm.h names. */
    static Map<String, IntSupplier> capabilityNumbers() {
        Map<String, IntSupplier> caps = new LinkedHashMap<>();
        caps.put("KVM_CAP_IRQCHIP", kvm_h::KVM_CAP_IRQCHIP);
        caps.put("KVM_CAP_PIT2", kvm_h::KVM_CAP_PIT2);
        caps.put("KVM_CAP_IRQFD", kvm_h::KVM_CAP_IRQFD);
        caps.put("KVM_CAP_X86_USER_SPACE_MSR", kvm_h::KVM_CAP_X86_USER_SPACE_MSR);
        caps.put("KVM_CAP_X86_MSR_FILTER", kvm_h::KVM_CAP_X86_MSR_FILTER);
        caps.put("KVM_CAP_NR_VCPUS", kvm_h::KVM_CAP_NR_VCPUS);
        caps.put("KVM_CAP_MAX_VCPUS", kvm_h::KVM_CAP_MAX_VCPUS);
        // The Hyper-V ones from the probe that decides what the host supports, so both agree.
        HostHvProbe.capabilityNumbers().forEach((name, number) -> caps.put(name, () -> number));
        return caps;
    }

    static KvmHostReport collect(Kvm kvm, String device) {
        Map<String, Integer> values = new LinkedHashMap<>();
        capabilityNumbers().forEach((name, number) -> values.put(name, kvm.checkExtension(number.getAsInt())));
        return new KvmHostReport(device, kvm.apiVersion(), values);
    }
}
