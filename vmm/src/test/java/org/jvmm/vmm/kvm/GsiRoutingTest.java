// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One owner of the GSI routing table, checked on what it sends to a fake KVM_SET_GSI_ROUTING. */
class GsiRoutingTest {
    final List<List<IrqRoute>> sent = new ArrayList<>();
    final GsiRouting routing = new GsiRouting(sent::add);

    List<IrqRoute> kvmTable() {
        return sent.getLast();
    }

    @Test
    void theTableStartsAsQemusPcWiringAndIsSentAtOnce() {
        List<IrqRoute> d = GsiRouting.pcWiring();
        assertEquals(23 + 15, d.size(), "every GSI but the cascade to the I/O APIC, the ISA ones to an 8259 too");
        assertTrue(d.contains(IrqRoute.irqchip(0, 2, 2)), "the timer on I/O APIC pin 2");
        assertTrue(d.contains(IrqRoute.irqchip(0, 0, 0)), "and on the master 8259's pin 0");
        assertFalse(d.stream().anyMatch(r -> r.gsi() == 2), "the cascade reaches nothing");
        assertTrue(d.contains(IrqRoute.irqchip(12, 1, 4)), "GSI 12 is pin 4 of the slave PIC");
        assertTrue(d.contains(IrqRoute.irqchip(23, 2, 23)));
        assertFalse(d.stream().anyMatch(r -> r.gsi() == 20 && ((IrqRoute.Irqchip) r).irqchip() != 2),
                "GSIs 16-23 have no PIC pin");
        assertEquals(List.of(d), sent, "KVM's own default differs, so the routing sends this when it is made");
    }

    /**
     * KVM tells the ack notifiers of one GSI per irqchip pin (the last entry naming the pin); the
     * in-kernel PIT waits for its GSI 0 to be acknowledged before its next tick. A second GSI on
     * pin 2 would take the timer's acks and stop the PIT (seen in the lab: Linux fell back to
     * XT-PIC, or hung).
     */
    @Test
    void noIoApicPinIsSharedByTwoGsis() {
        java.util.Map<Integer, Integer> gsiOfPin = new java.util.HashMap<>();
        for (IrqRoute r : GsiRouting.pcWiring()) {
            IrqRoute.Irqchip c = (IrqRoute.Irqchip) r;
            if (c.irqchip() == 2) {
                Integer before = gsiOfPin.put(c.pin(), c.gsi());
                assertTrue(before == null, "I/O APIC pin " + c.pin() + " has GSIs " + before + " and " + c.gsi());
            }
        }
        assertEquals(23, gsiOfPin.size());
    }

    @Test
    void aRouteAddedByOneUserSurvivesAnothersAdditionsAndRemovals() {
        IrqRoute sint = routing.allocate(gsi -> new IrqRoute.Other(gsi, 4, 1, 2));
        IrqRoute msi = routing.allocate(gsi -> IrqRoute.msi(gsi, 0xfee00000L, 0x41));
        routing.add(IrqRoute.irqchip(5, 2, 5));
        assertEquals(24, sint.gsi());
        assertEquals(25, msi.gsi());
        assertTrue(kvmTable().containsAll(GsiRouting.pcWiring()), "the defaults are always sent");
        assertTrue(kvmTable().contains(sint), "the first user's route is still in KVM's table");
        assertTrue(routing.remove(msi));
        assertTrue(kvmTable().contains(sint));
        assertFalse(kvmTable().contains(msi));
        assertFalse(routing.remove(msi), "already gone");
        assertEquals(1 + 4, sent.size(), "the wiring, then one complete table per change");
    }

    @Test
    void freedGsisAreReused() {
        IrqRoute a = routing.allocate(gsi -> IrqRoute.msi(gsi, 0xfee00000L, 1));
        routing.allocate(gsi -> IrqRoute.msi(gsi, 0xfee00000L, 2));
        routing.remove(a);
        assertEquals(24, routing.allocate(gsi -> IrqRoute.msi(gsi, 0xfee00000L, 3)).gsi());
    }

    @Test
    void aTableKvmRejectsLeavesTheOldOneInPlace() {
        IrqRoute kept = routing.allocate(gsi -> IrqRoute.msi(gsi, 0xfee00000L, 1));
        GsiRouting failing = new GsiRouting(routes -> {
            if (routes.size() > GsiRouting.pcWiring().size()) {
                throw new KvmException("KVM_SET_GSI_ROUTING", 0, 22, "test");
            }
        });
        assertThrows(KvmException.class, () -> failing.allocate(gsi -> IrqRoute.msi(gsi, 0, 0)));
        assertEquals(GsiRouting.pcWiring(), failing.routes());
        assertTrue(routing.routes().contains(kept));
    }

    @Test
    void badGsisAndMisplacedRoutesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> routing.add(IrqRoute.msi(GsiRouting.MAX_ROUTES, 0, 0)));
        assertThrows(IllegalArgumentException.class, () -> routing.add(IrqRoute.msi(-1, 0, 0)));
        assertThrows(IllegalArgumentException.class, () -> routing.allocate(gsi -> IrqRoute.msi(gsi + 1, 0, 0)));
        assertEquals(1, sent.size(), "nothing reached KVM after the wiring");
    }
}
