// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.testing;

import java.time.Duration;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.machine.MachineBuilder;

/**
 * Builds a machine around a test guest: loads {@code src/test/guests/NAME.S} at
 * {@link GuestBinaries#LOAD_ADDRESS} and points every vCPU at it, in real or long mode.
 */
public final class TestGuests {
    private TestGuests() {}

    public enum Mode { REAL, LONG }

    /** Builds {@code builder}, loads {@code guest} and sets every vCPU up for {@code mode}. */
    public static Machine load(MachineBuilder builder, String guest, Mode mode) {
        Machine m = builder.build();
        try {
            m.memory().write(GuestBinaries.LOAD_ADDRESS, GuestBinaries.get(guest));
            if (mode == Mode.LONG) {
                GuestSetup.writeLongModeTables(m.memory());
            }
            for (Vcpu v : m.vcpus()) {
                if (mode == Mode.LONG) {
                    GuestSetup.longMode(v, GuestBinaries.LOAD_ADDRESS);
                } else {
                    GuestSetup.realMode(v, GuestBinaries.LOAD_ADDRESS);
                }
            }
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Starts {@code m} and waits at most 10 s for it to end; fails the test on a timeout. */
    public static VmExitStatus runToEnd(Machine m) {
        m.start();
        return m.awaitExit(Duration.ofSeconds(10))
                .orElseThrow(() -> new AssertionError("guest did not finish within 10 s"));
    }
}
