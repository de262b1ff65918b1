// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * Direct boot of a stock x86-64 Linux kernel, as data written into {@link
 * org.jvmm.vmm.memory.GuestMemory}: no KVM calls, so everything here is testable on plain memory.
 *
 * <p>{@link org.jvmm.vmm.boot.LinuxBoot#prepare} does it all: {@link
 * org.jvmm.vmm.boot.KernelImage} loads a bzImage or an ELF vmlinux, {@link
 * org.jvmm.vmm.boot.Initrd} places the initrd, {@link org.jvmm.vmm.boot.Cmdline}, {@link
 * org.jvmm.vmm.boot.E820Map} and {@link org.jvmm.vmm.boot.BootParams} fill the zero page, {@link
 * org.jvmm.vmm.boot.MpTable} describes the CPUs and the I/O APIC, and {@link
 * org.jvmm.vmm.boot.LongModeSetup} writes GDT and page tables and returns the boot vCPU's
 * registers as a {@link org.jvmm.vmm.boot.BootCpuState}. Addresses are in {@link
 * org.jvmm.vmm.boot.GuestLayout}.
 *
 * <p>What the VM builder adds, since it owns KVM: guest RAM laid out as {@link
 * org.jvmm.vmm.boot.GuestLayout#ramRanges} says (RAM must be present at 0..1 MiB, which holds the
 * boot data); the state applied to vCPU 0 with KVM_SET_SREGS/KVM_SET_REGS (APs wait for INIT/SIPI
 * from the in-kernel LAPIC); CPUID with APIC ids 0..N-1, matching the MP table; and the in-kernel
 * irqchip with KVM's default GSI routing, which the MP table's identity IRQ-to-pin entries assume.
 */
package org.jvmm.vmm.boot;
