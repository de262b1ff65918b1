// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv;

/**
 * How the enlightenment set is chosen: an explicit list (QEMU's default, libvirt
 * {@code mode='custom'}), {@code hv-passthrough} (everything the host KVM offers), or libvirt's
 * {@code mode='host-model'}, which libvirt itself expands into an explicit list at start-up.
 */
public enum HvMode {
    CUSTOM, PASSTHROUGH, HOST_MODEL
}
