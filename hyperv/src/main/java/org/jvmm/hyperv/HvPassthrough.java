// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

import static org.jvmm.hyperv.CpuidReg.*;
import static org.jvmm.hyperv.HvProto.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;

/**
 * Turns {@code hv-passthrough} and libvirt's {@code mode='host-model'} into an explicit
 * configuration against a {@link HostHvSupport}.
 */
public final class HvPassthrough {
    private HvPassthrough() {
    }

    /** libvirt nests these under another element; switching the parent off drops them too. */
    private static final Map<HvFeature, HvFeature> LIBVIRT_PARENT = Map.of(
            HvFeature.STIMER_DIRECT, HvFeature.STIMER,
            HvFeature.TLBFLUSH_EXT, HvFeature.TLBFLUSH,
            HvFeature.TLBFLUSH_DIRECT, HvFeature.TLBFLUSH);

    /** The configuration with passthrough or host-model resolved; custom comes back unchanged. */
    public static HvConfig expand(HvConfig config, HostHvSupport host) {
        return switch (config.mode()) {
            case CUSTOM -> config;
            case PASSTHROUGH -> passthrough(config, host);
            case HOST_MODEL -> hostModel(config, host);
        };
    }

    /**
     * QEMU's passthrough branch of {@code kvm_hyperv_expand_features}: vendor, interface,
     * version, limits and spinlocks are copied from the host leaves (a missing leaf reads as 0,
     * as on legacy kernels), and every supported feature except hv-syndbg is ORed in. Nothing is
     * removed: explicitly requested features stay even if unsupported, and {@code hv-foo=off}
     * has no effect. The mode stays PASSTHROUGH so callers still know to block migration.
     */
    static HvConfig passthrough(HvConfig config, HostHvSupport host) {
        HvConfig.Builder b = config.toBuilder();
        b.vendorId(vendorString(host.get(CPUID_VENDOR_AND_MAX_FUNCTIONS, EBX),
                host.get(CPUID_VENDOR_AND_MAX_FUNCTIONS, ECX),
                host.get(CPUID_VENDOR_AND_MAX_FUNCTIONS, EDX)));
        b.interfaceId(new HvConfig.Regs(host.get(CPUID_INTERFACE, EAX),
                host.get(CPUID_INTERFACE, EBX), host.get(CPUID_INTERFACE, ECX),
                host.get(CPUID_INTERFACE, EDX)));
        int verEbx = host.get(CPUID_VERSION, EBX);
        int verEdx = host.get(CPUID_VERSION, EDX);
        b.version(new HvConfig.HvVersion(host.get(CPUID_VERSION, EAX), verEbx >>> 16,
                verEbx & 0xFFFF, host.get(CPUID_VERSION, ECX), verEdx >>> 24,
                verEdx & 0xFFFFFF));
        b.limits(new HvConfig.Regs(host.get(CPUID_IMPLEMENT_LIMITS, EAX),
                host.get(CPUID_IMPLEMENT_LIMITS, EBX), host.get(CPUID_IMPLEMENT_LIMITS, ECX),
                host.get(CPUID_IMPLEMENT_LIMITS, EDX)));
        if (host.source() != HostHvSupport.Source.LEGACY) {
            // The legacy synthesis stores the configured count there, so keeping it is the same.
            b.spinlocks(host.get(CPUID_ENLIGHTMENT_INFO, EBX));
        }
        for (HvFeature f : HvFeature.values()) {
            if (!f.skipPassthrough() && host.supports(f)) {
                b.features(f);
            }
        }
        return b.build();
    }

    /**
     * libvirt's host-model (libvirt 11.9+, overrides since 12.1): every supported enlightenment
     * libvirt can express, plus hv-time, with the host's spinlock count and vendor unless the
     * domain gives its own; explicitly disabled features (and their libvirt sub-elements) stay
     * off. The result is an explicit list, validated like any other.
     */
    static HvConfig hostModel(HvConfig config, HostHvSupport host) {
        EnumSet<HvFeature> on = EnumSet.noneOf(HvFeature.class);
        for (HvFeature f : HvFeature.values()) {
            boolean expressible = f.libvirtName().isPresent() || LIBVIRT_PARENT.containsKey(f)
                    || f == HvFeature.TIME;
            if (expressible && host.supports(f)) {
                on.add(f);
            }
        }
        on.addAll(config.features());
        on.removeAll(config.disabled());
        LIBVIRT_PARENT.forEach((child, parent) -> {
            if (config.disabled().contains(parent) && !config.features().contains(child)) {
                on.remove(child);
            }
        });
        HvConfig.Builder b = config.toBuilder().mode(HvMode.CUSTOM);
        for (HvFeature f : HvFeature.values()) {
            b.feature(f, on.contains(f));
        }
        if (config.spinlocks() == SPINLOCK_NEVER_NOTIFY) {
            b.spinlocks(host.get(CPUID_ENLIGHTMENT_INFO, EBX));
        }
        if (config.vendorId() == null) {
            b.vendorId(vendorString(host.get(CPUID_VENDOR_AND_MAX_FUNCTIONS, EBX),
                    host.get(CPUID_VENDOR_AND_MAX_FUNCTIONS, ECX),
                    host.get(CPUID_VENDOR_AND_MAX_FUNCTIONS, EDX)));
        }
        return b.build();
    }

    /** Three little-endian register words as text, trailing NULs dropped. */
    static String vendorString(int ebx, int ecx, int edx) {
        byte[] raw = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(ebx).putInt(ecx).putInt(edx).array();
        int len = raw.length;
        while (len > 0 && raw[len - 1] == 0) {
            len--;
        }
        return new String(raw, 0, len, StandardCharsets.UTF_8);
    }
}
