// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import java.util.StringJoiner;

/**
 * QEMU's checks from {@code kvm_hyperv_expand_features}, in QEMU's order. For an explicit list,
 * each requested feature in table order is first checked against the host and then for its
 * dependencies, and the first failure wins. In passthrough mode neither runs. In both modes the
 * SynIC-needs-VP_INDEX rule, which is not in the table, is checked last.
 */
public final class HvValidator {
    private HvValidator() {
    }

    /**
     * Expands passthrough / host-model and validates: the effective configuration the CPUID is
     * built from. With nothing Hyper-V-related requested it returns the configuration unchanged.
     *
     * @throws HvConfigException for an unsupported feature or a missing dependency
     */
    public static HvConfig resolve(HvConfig config, HostHvSupport host) {
        if (!config.hypervEnabled(true)) {
            return config;
        }
        if (!host.hypervAvailable()) {
            // QEMU silently drops every hv-* flag here (hyperv_enabled() is false); saying so
            // is kinder than booting a guest without the enlightenments it was configured for.
            throw new HvConfigException("Hyper-V enlightenments requested (" + summary(config)
                    + ") but the host KVM offers no Hyper-V (KVM_CAP_HYPERV is 0)");
        }
        HvConfig effective = HvPassthrough.expand(config, host);
        validate(effective, host);
        return effective;
    }

    /** Support and dependency checks on an already expanded configuration. */
    public static void validate(HvConfig config, HostHvSupport host) {
        if (!config.passthrough()) {
            for (HvFeature f : config.features()) {
                String why = host.whyUnsupported(f);
                if (why != null) {
                    throw new HvConfigException("Hyper-V " + f.desc()
                            + " is not supported by the host kernel: " + why);
                }
                checkTableDependencies(config, f);
            }
        }
        checkSynicVpindex(config);
    }

    /** Dependencies only, without a host: the table rules, then SynIC needs VP_INDEX. */
    public static void checkDependencies(HvConfig config) {
        if (!config.passthrough()) {
            for (HvFeature f : config.features()) {
                checkTableDependencies(config, f);
            }
        }
        checkSynicVpindex(config);
    }

    private static void checkTableDependencies(HvConfig config, HvFeature f) {
        for (HvFeature dep : f.dependencies()) {
            if (!config.has(dep)) {
                throw missing(f, dep);
            }
        }
    }

    private static void checkSynicVpindex(HvConfig config) {
        if (config.has(HvFeature.SYNIC) && !config.has(HvFeature.VPINDEX)) {
            throw missing(HvFeature.SYNIC, HvFeature.VPINDEX);
        }
    }

    private static HvConfigException missing(HvFeature f, HvFeature dep) {
        return new HvConfigException("Hyper-V " + f.desc() + " needs Hyper-V " + dep.desc()
                + " to be enabled as well");
    }

    private static String summary(HvConfig config) {
        StringJoiner j = new StringJoiner(",");
        if (config.passthrough()) {
            j.add("hv-passthrough");
        }
        if (config.mode() == HvMode.HOST_MODEL) {
            j.add("host-model");
        }
        config.features().forEach(f -> j.add(f.qemuName()));
        if (config.spinlocks() != HvProto.SPINLOCK_NEVER_NOTIFY) {
            j.add("hv-spinlocks=0x" + Integer.toHexString(config.spinlocks()));
        }
        return j.toString();
    }
}
