// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The Hyper-V part of a guest configuration, with QEMU's property defaults. Immutable; build one
 * with {@link #builder()} or get one from the QEMU-flag or libvirt parsers.
 *
 * @param mode           custom list, passthrough or libvirt host-model
 * @param features       enlightenments switched on
 * @param disabled       features explicitly switched off; only host-model expansion reads it
 *                       (QEMU's passthrough ignores {@code hv-foo=off}, see {@link HvPassthrough})
 * @param spinlocks      0x40000004.EBX retry count, {@code 0xFFFFFFFF} = never notify
 * @param vendorId       0x40000000 vendor string, null = QEMU's "Microsoft Hv"
 * @param version        0x40000002 contents
 * @param interfaceId    0x40000001 contents ("Hv#1"; only passthrough changes it)
 * @param limits         0x40000005 contents: EAX max VPs (-1 = no limit), EBX max LPs (64)
 * @param enforceCpuid   KVM_CAP_HYPERV_ENFORCE_CPUID on each vCPU
 * @param noNonarchCoresharing 0x40000004.EAX bit 18 policy
 * @param exposeKvm      QEMU's {@code kvm} property; false hides the KVM signature leaves
 */
public record HvConfig(HvMode mode, Set<HvFeature> features, Set<HvFeature> disabled,
        int spinlocks, String vendorId, HvVersion version, Regs interfaceId, Regs limits,
        boolean enforceCpuid, OnOffAuto noNonarchCoresharing, boolean exposeKvm) {

    /** QEMU's vendor string when hv-vendor-id is not given. */
    public static final String DEFAULT_VENDOR_ID = "Microsoft Hv";
    public static final Regs DEFAULT_INTERFACE_ID = new Regs(HvProto.INTERFACE_HV1, 0, 0, 0);
    public static final Regs DEFAULT_LIMITS = new Regs(-1, HvProto.IMPLEMENT_LIMITS_MAX_LPS, 0, 0);

    /** Four CPUID register values copied as a block. */
    public record Regs(int eax, int ebx, int ecx, int edx) {
    }

    /**
     * The 0x40000002 identity. Defaults are Windows Server 2016 (build 14393 = 0x3839, 10.0), the
     * same in QEMU 7.2 and current QEMU; machine types up to pc-*-6.1 used 0x1BBC / 6.1 instead.
     */
    public record HvVersion(int build, int major, int minor, int servicePack, int serviceBranch,
            int serviceNumber) {
        public static final HvVersion DEFAULT = new HvVersion(0x3839, 0xA, 0, 0, 0, 0);
    }

    public HvConfig {
        Objects.requireNonNull(mode, "mode");
        features = freeze(features);
        disabled = freeze(disabled);
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(interfaceId, "interfaceId");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(noNonarchCoresharing, "noNonarchCoresharing");
    }

    private static Set<HvFeature> freeze(Set<HvFeature> s) {
        EnumSet<HvFeature> copy = EnumSet.noneOf(HvFeature.class);
        copy.addAll(s);
        return Collections.unmodifiableSet(copy);
    }

    /** Everything off, all values at QEMU's defaults. */
    public static HvConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public boolean has(HvFeature f) {
        return features.contains(f);
    }

    public boolean passthrough() {
        return mode == HvMode.PASSTHROUGH;
    }

    public int maxVps() {
        return limits.eax();
    }

    /** The vendor string that goes into 0x40000000 (before truncation to 12 bytes). */
    public String effectiveVendorId() {
        return vendorId == null ? DEFAULT_VENDOR_ID : vendorId;
    }

    /**
     * QEMU's {@code hyperv_enabled()}: the host has KVM_CAP_HYPERV and at least one of a feature,
     * a spinlock count other than "never notify", or passthrough. Vendor id, version id,
     * enforce-cpuid and no-nonarch-coresharing alone do not switch Hyper-V on. Host-model counts
     * like passthrough because libvirt always expands it into features.
     */
    public boolean hypervEnabled(boolean hostHasCapHyperv) {
        return hostHasCapHyperv && (spinlocks != HvProto.SPINLOCK_NEVER_NOTIFY
                || !features.isEmpty() || mode != HvMode.CUSTOM);
    }

    /**
     * Why QEMU would refuse to migrate a guest with this configuration (its migration blockers
     * from {@code hyperv_init_vcpu}); empty when migration is fine as far as Hyper-V goes.
     */
    public List<String> migrationBlockers() {
        List<String> out = new ArrayList<>();
        if (mode == HvMode.PASSTHROUGH) {
            out.add("hv-passthrough exposes whatever this host offers; list the hv-* flags"
                    + " explicitly to migrate");
        }
        if (noNonarchCoresharing == OnOffAuto.AUTO) {
            out.add("hv-no-nonarch-coresharing=auto follows this host's SMT state; use =on"
                    + " (with SMT off or pinned vCPUs) to migrate");
        }
        return out;
    }

    /** Mutable builder with QEMU's defaults. */
    public static final class Builder {
        private HvMode mode = HvMode.CUSTOM;
        private final EnumSet<HvFeature> features = EnumSet.noneOf(HvFeature.class);
        private final EnumSet<HvFeature> disabled = EnumSet.noneOf(HvFeature.class);
        private int spinlocks = HvProto.SPINLOCK_NEVER_NOTIFY;
        private String vendorId;
        private HvVersion version = HvVersion.DEFAULT;
        private Regs interfaceId = DEFAULT_INTERFACE_ID;
        private Regs limits = DEFAULT_LIMITS;
        private boolean enforceCpuid;
        private OnOffAuto noNonarchCoresharing = OnOffAuto.OFF;
        private boolean exposeKvm = true;

        private Builder() {
        }

        private Builder(HvConfig c) {
            mode = c.mode;
            features.addAll(c.features);
            disabled.addAll(c.disabled);
            spinlocks = c.spinlocks;
            vendorId = c.vendorId;
            version = c.version;
            interfaceId = c.interfaceId;
            limits = c.limits;
            enforceCpuid = c.enforceCpuid;
            noNonarchCoresharing = c.noNonarchCoresharing;
            exposeKvm = c.exposeKvm;
        }

        public Builder mode(HvMode m) {
            mode = Objects.requireNonNull(m);
            return this;
        }

        public Builder passthrough(boolean on) {
            mode = on ? HvMode.PASSTHROUGH : HvMode.CUSTOM;
            return this;
        }

        /** Switches a feature on or off; "off" is also remembered for host-model overrides. */
        public Builder feature(HvFeature f, boolean on) {
            if (on) {
                features.add(f);
                disabled.remove(f);
            } else {
                features.remove(f);
                disabled.add(f);
            }
            return this;
        }

        public Builder features(HvFeature... fs) {
            for (HvFeature f : fs) {
                feature(f, true);
            }
            return this;
        }

        public Builder spinlocks(int retries) {
            spinlocks = retries;
            return this;
        }

        public Builder vendorId(String v) {
            vendorId = v;
            return this;
        }

        public Builder version(HvVersion v) {
            version = Objects.requireNonNull(v);
            return this;
        }

        public Builder interfaceId(Regs r) {
            interfaceId = Objects.requireNonNull(r);
            return this;
        }

        public Builder limits(Regs r) {
            limits = Objects.requireNonNull(r);
            return this;
        }

        public Builder maxVps(int vps) {
            limits = new Regs(vps, limits.ebx(), limits.ecx(), limits.edx());
            return this;
        }

        public Builder enforceCpuid(boolean on) {
            enforceCpuid = on;
            return this;
        }

        public Builder noNonarchCoresharing(OnOffAuto v) {
            noNonarchCoresharing = Objects.requireNonNull(v);
            return this;
        }

        public Builder exposeKvm(boolean on) {
            exposeKvm = on;
            return this;
        }

        public HvConfig build() {
            return new HvConfig(mode, features, disabled, spinlocks, vendorId, version,
                    interfaceId, limits, enforceCpuid, noNonarchCoresharing, exposeKvm);
        }
    }
}
