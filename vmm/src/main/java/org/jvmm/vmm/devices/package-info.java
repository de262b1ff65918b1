// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * The legacy PC devices a directly booted Linux touches, each a {@link org.jvmm.vmm.bus.BusDevice}
 * with no KVM calls and no threads: {@link org.jvmm.vmm.devices.Serial16550} (COM1, 0x3F8, IRQ 4),
 * {@link org.jvmm.vmm.devices.I8042} (0x60..0x64, for the reset line; IRQ 1 and 12), {@link
 * org.jvmm.vmm.devices.CmosRtc} (0x70/0x71) and {@link org.jvmm.vmm.devices.DebugExit} (0x501,
 * QEMU's isa-debug-exit). Each class has BASE (COM1_BASE for the UART) and PORT_COUNT constants
 * for registering it on the port-I/O bus; the offsets a device receives are relative to its base.
 */
package org.jvmm.vmm.devices;
