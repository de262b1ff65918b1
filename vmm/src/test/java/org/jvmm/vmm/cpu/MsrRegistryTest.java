// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.jvmm.vmm.bus.BusException;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.spi.MsrAnswer;
import org.jvmm.vmm.spi.MsrHandler;

class MsrRegistryTest {
    private static MsrHandler answering(long v) {
        return new MsrHandler() {
            @Override
            public MsrAnswer read(Vcpu vcpu, int index) {
                return MsrAnswer.value(v + index);
            }

            @Override
            public MsrAnswer write(Vcpu vcpu, int index, long value) {
                return value == v ? MsrAnswer.OK : MsrAnswer.FAULT;
            }
        };
    }

    @Test
    void rangesRouteAndUnhandledMsrsFault() {
        MsrRegistry r = new MsrRegistry();
        r.register(0x40000000, 0x100, answering(0), "hyperv");
        r.register(0xc0000100, 4, answering(1000), "high");
        assertEquals(0x40000010L, r.read(null, 0x40000010).value());
        assertEquals(1000L + 0xc0000101L - 0x1_0000_0000L, r.read(null, 0xc0000101).value());
        assertTrue(r.read(null, 0x40000100).error());
        assertTrue(r.write(null, 0x10, 0).error());
        assertFalse(r.write(null, 0xc0000103, 1000).error());
        assertTrue(r.write(null, 0xc0000103, 1).error());
        assertTrue(r.isHandled(0xc0000103));
        assertFalse(r.isHandled(0xc0000104));
    }

    @Test
    void overlapIsRefused() {
        MsrRegistry r = new MsrRegistry();
        r.register(0x40000000, 0x100, answering(0), "hyperv");
        BusException e = assertThrows(BusException.class, () -> r.register(0x400000ff, 2, answering(0), "late"));
        assertEquals("MSR range [0x400000ff, 0x40000101) of late overlaps [0x40000000, 0x40000100) of hyperv",
                e.getMessage());
        assertThrows(BusException.class, () -> r.register(0xffffffff, 2, answering(0), "past end"));
        assertThrows(BusException.class, () -> r.register(0, 0, answering(0), "empty"));
    }
}
