// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * The one owner of a VM's GSI routing table. KVM_SET_GSI_ROUTING replaces the whole table, so two
 * callers each sending "their" routes would silently drop each other's; here every user adds and
 * removes entries, and each change sends the complete table: KVM's defaults plus everything added.
 * Get it from {@link Vm#gsiRouting()}; nothing else calls the ioctl ({@link Vm#vmIoctl} refuses it).
 *
 * <p>The table starts as a PC's ISA wiring ({@link #pcWiring}), the one QEMU's {@code pc}
 * machine sets up, and is sent to KVM as soon as the routing exists ({@link Vm#createIrqchip}
 * makes it right after the irqchip), so ISA interrupts keep working whatever is added. Methods are synchronized;
 * a change KVM rejects leaves the table as it was.
 */
public final class GsiRouting {
    /** The first GSI above the IOAPIC's 24 pins: where {@link #allocate} starts. */
    public static final int FIRST_FREE_GSI = 24;
    /** KVM_MAX_IRQ_ROUTES (include/linux/kvm_host.h): the table's limit, and so the GSI limit. */
    public static final int MAX_ROUTES = 4096;
    /**
     * The I/O APIC input of ISA IRQ 0 (the PIT, or the HPET's legacy timer 0): pin 2, as on PC
     * chipsets, in QEMU's {@code pc} and in the interrupt source override of every PC firmware's
     * MADT (and SeaBIOS's MP table). Pin 0 is left to the 8259's ExtINT, as on hardware. The MADT
     * and the MP table announce this pin; this class wires it.
     */
    public static final int ISA_IRQ0_PIN = 2;
    /** ISA IRQ 2 is the cascade of the two 8259s: no device raises it, no table lists it. */
    public static final int ISA_CASCADE_IRQ = 2;
    private static final int PIC_MASTER = 0;
    private static final int PIC_SLAVE = 1;
    private static final int IOAPIC = 2;

    /** Where the complete table goes: KVM_SET_GSI_ROUTING, or a fake in tests. */
    @FunctionalInterface
    interface Table {
        void set(List<IrqRoute> routes);
    }

    private final Table table;
    private List<IrqRoute> routes;

    /** The routing of a VM whose irqchip exists: sends {@link #pcWiring} at once. */
    GsiRouting(Table table) {
        this.table = Objects.requireNonNull(table);
        commit(pcWiring());
    }

    /**
     * A PC's ISA wiring, as QEMU's {@code pc} gives KVM (hw/i386/kvm/ioapic.c): GSI n (an ISA IRQ
     * below 16) reaches pin n of its 8259 and I/O APIC pin n, except GSI 0, which reaches
     * {@link #ISA_IRQ0_PIN}, and GSI 2, the cascade, which reaches nothing; GSIs 16-23 reach I/O
     * APIC pins 16-23 (PCI interrupts). KVM's own default (arch/x86/kvm/irq_comm.c) wires GSI 0
     * to pin 0, where no firmware table puts the timer.
     *
     * <p>GSI 2 must stay unrouted: KVM maps each irqchip pin back to one GSI (the last entry that
     * names the pin) to tell that GSI's ack notifiers about an EOI. With GSI 2 also on pin 2, the
     * in-kernel PIT (GSI 0) never heard its interrupt acknowledged, so in its default reinject
     * mode it stopped after one tick: Linux's boot check found no timer on the I/O APIC and fell
     * back to the 8259 (XT-PIC), or the boot hung. So an HPET timer that a guest routes to I/O
     * APIC input 2 outside legacy replacement reaches nothing here, exactly as under QEMU.
     */
    public static List<IrqRoute> pcWiring() {
        List<IrqRoute> d = new ArrayList<>();
        for (int gsi = 0; gsi < FIRST_FREE_GSI; gsi++) {
            if (gsi == ISA_CASCADE_IRQ) {
                continue;
            }
            d.add(IrqRoute.irqchip(gsi, IOAPIC, gsi == 0 ? ISA_IRQ0_PIN : gsi));
            if (gsi < 16) {
                d.add(IrqRoute.irqchip(gsi, gsi < 8 ? PIC_MASTER : PIC_SLAVE, gsi % 8));
            }
        }
        return List.copyOf(d);
    }

    /** The table as last accepted by KVM. */
    public synchronized List<IrqRoute> routes() {
        return routes;
    }

    /** Adds {@code route} (at its own GSI, next to any entries already there). */
    public synchronized void add(IrqRoute route) {
        checkGsi(route.gsi());
        List<IrqRoute> next = new ArrayList<>(routes);
        next.add(route);
        commit(next);
    }

    /**
     * Takes the lowest GSI from {@link #FIRST_FREE_GSI} up that no entry uses, adds the route
     * {@code atGsi} builds for it, and returns that route.
     */
    public synchronized IrqRoute allocate(IntFunction<IrqRoute> atGsi) {
        int gsi = FIRST_FREE_GSI;
        while (inUse(gsi)) {
            gsi++;
        }
        checkGsi(gsi);
        IrqRoute route = atGsi.apply(gsi);
        if (route.gsi() != gsi) {
            throw new IllegalArgumentException("route " + route + " is not at the allocated GSI " + gsi);
        }
        add(route);
        return route;
    }

    /** Removes one entry equal to {@code route}; false if there is none. */
    public synchronized boolean remove(IrqRoute route) {
        List<IrqRoute> next = new ArrayList<>(routes);
        if (!next.remove(route)) {
            return false;
        }
        commit(next);
        return true;
    }

    private boolean inUse(int gsi) {
        for (IrqRoute r : routes) {
            if (r.gsi() == gsi) {
                return true;
            }
        }
        return false;
    }

    private void checkGsi(int gsi) {
        if (gsi < 0 || gsi >= MAX_ROUTES) {
            throw new IllegalArgumentException("GSI " + gsi + " is outside 0.." + (MAX_ROUTES - 1));
        }
        if (routes.size() >= MAX_ROUTES) {
            throw new IllegalStateException("the GSI routing table is full (" + MAX_ROUTES + " entries)");
        }
    }

    private void commit(List<IrqRoute> next) {
        List<IrqRoute> copy = List.copyOf(next);
        table.set(copy);
        routes = copy;
    }
}
