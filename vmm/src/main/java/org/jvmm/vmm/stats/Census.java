// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a VM did over its life, taken once at its end: per vCPU, the exits its loop saw and what
 * extensions counted ({@link CountGroups}), and KVM's own statistics of that vCPU; KVM's per-VM
 * statistics; and the wall time from start to end, so every count has a rate.
 *
 * @param wallNanos     from the start of the vCPUs to the end of the last one
 * @param vcpus         one entry per vCPU, in index order
 * @param vmCounts      counts that belong to no single vCPU (extensions only)
 * @param vmKvm         KVM's per-VM statistics, empty if unavailable
 * @param kvmUnavailable why KVM's statistics are missing, if they are
 */
public record Census(long wallNanos, List<PerVcpu> vcpus, CountGroups vmCounts, List<KvmStat> vmKvm,
                     Optional<String> kvmUnavailable) {
    public Census {
        vcpus = List.copyOf(vcpus);
        vmKvm = List.copyOf(vmKvm);
    }

    /** One vCPU's counts and KVM statistics. */
    public record PerVcpu(int index, CountGroups counts, List<KvmStat> kvm) {
        public PerVcpu {
            kvm = List.copyOf(kvm);
        }

        /** KVM's stat {@code name} of this vCPU, if the kernel has it. */
        public Optional<KvmStat> kvmStat(String name) {
            return kvm.stream().filter(s -> s.name().equals(name)).findFirst();
        }
    }

    public double wallSeconds() {
        return wallNanos / 1e9;
    }

    /** The per-vCPU counts summed, plus the VM-wide ones. */
    public CountGroups totalCounts() {
        CountGroups sum = vmCounts;
        for (PerVcpu v : vcpus) {
            sum = sum.plus(v.counts());
        }
        return sum;
    }

    /** KVM's per-vCPU statistics summed over the vCPUs (peaks: the largest), by name. */
    public List<KvmStat> totalKvm() {
        Map<String, KvmStat> sum = new LinkedHashMap<>();
        for (PerVcpu v : vcpus) {
            for (KvmStat s : v.kvm()) {
                sum.merge(s.name(), s, KvmStat::plus);
            }
        }
        return List.copyOf(sum.values());
    }
}
