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
 * <p>The table starts as KVM's own default (x86 {@code default_routing} in
 * arch/x86/kvm/irq_comm.c: GSI 0-15 to IOAPIC pin n and to PIC pin n%8, GSI 16-23 to the IOAPIC),
 * which the in-kernel irqchip starts with, so ISA interrupts keep working whatever is added.
 * Methods are synchronized; a change KVM rejects leaves the table as it was.
 */
public final class GsiRouting {
    /** The first GSI above the IOAPIC's 24 pins: where {@link #allocate} starts. */
    public static final int FIRST_FREE_GSI = 24;
    /** KVM_MAX_IRQ_ROUTES (include/linux/kvm_host.h): the table's limit, and so the GSI limit. */
    public static final int MAX_ROUTES = 4096;
    private static final int PIC_MASTER = 0;
    private static final int PIC_SLAVE = 1;
    private static final int IOAPIC = 2;

    /** Where the complete table goes: KVM_SET_GSI_ROUTING, or a fake in tests. */
    @FunctionalInterface
    interface Table {
        void set(List<IrqRoute> routes);
    }

    private final Table table;
    private List<IrqRoute> routes = kvmDefaults();

    GsiRouting(Table table) {
        this.table = Objects.requireNonNull(table);
    }

    /** KVM's default x86 table, which the in-kernel irqchip starts with. */
    public static List<IrqRoute> kvmDefaults() {
        List<IrqRoute> d = new ArrayList<>();
        for (int gsi = 0; gsi < FIRST_FREE_GSI; gsi++) {
            d.add(IrqRoute.irqchip(gsi, IOAPIC, gsi));
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
