// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.cpu.VmExitStatus.Reason;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.HotplugArea;
import org.jvmm.vmm.spi.HandlerRegistry;
import org.jvmm.vmm.spi.VmExtension;
import org.jvmm.vmm.testing.GuestSetup;
import org.jvmm.vmm.testing.RecordingDevice;
import org.jvmm.vmm.testing.TestGuests;
import org.jvmm.vmm.testing.TestGuests.Mode;

/**
 * RAM plugged while a vCPU runs, on /dev/kvm: the guest (hotplug.S) polls an address above its
 * boot RAM, where KVM first has no slot; the host plugs two chunks as new slots and writes the
 * second; the guest must then read the host's value there, and the host must read what the guest
 * wrote in the first. A wrong slot number (reusing a boot slot) or a slot KVM does not get makes
 * the guest spin until the timeout.
 */
@Tag("kvm")
class HotplugRunTest {
    static final long GIB = 1L << 30;
    static final long CHUNK = HotplugArea.CHUNK;
    /** A second page directory, for 4..5 GiB, beside GuestSetup's first. */
    static final long PD_4G = 0x23000;

    @Test
    void ramPluggedUnderARunningVcpuIsSeenByTheGuestAndTheHost() throws Exception {
        AtomicReference<HotplugArea> area = new AtomicReference<>();
        VmExtension grab = new VmExtension() {
            @Override
            public void registerHandlers(HandlerRegistry registry, GuestMemory memory) {
                area.set(registry.memoryHotplug().orElseThrow());
            }
        };
        MachineBuilder b = Machine.builder().memorySize(2L << 20).maxMemorySize((2L << 20) + 2 * CHUNK)
                .irqchip(false).extension(grab);
        try (Machine m = TestGuests.load(b, "hotplug", Mode.LONG)) {
            GuestMemory mem = m.memory();
            mem.writeLong(GuestSetup.PDPT + 4 * 8, PD_4G | 0x3);
            for (long i = 0; i < 512; i++) {
                mem.writeLong(PD_4G + i * 8, (4 * GIB + (i << 21)) | 0x83);
            }
            RecordingDevice report = new RecordingDevice();
            m.pio().register(0x50, 4, report, "report");
            assertEquals(4 * GIB, area.get().base(), "above the 32-bit hole");
            assertFalse(mem.isRam(4 * GIB, 1));
            m.start();
            Thread.sleep(200); // the guest spins on MMIO exits meanwhile
            assertEquals(4 * GIB, area.get().plug(CHUNK));
            assertEquals(4 * GIB + CHUNK, area.get().plug(CHUNK));
            assertTrue(mem.isRam(4 * GIB, 2 * CHUNK) == false && mem.isRam(4 * GIB, CHUNK)
                    && mem.isRam(4 * GIB + CHUNK, CHUNK), "two regions, each RAM");
            mem.writeInt(4 * GIB + CHUNK, 0x12345678);
            VmExitStatus s = m.awaitExit(java.time.Duration.ofSeconds(10))
                    .orElseThrow(() -> new AssertionError("the guest never saw the plugged RAM"));
            assertEquals(Reason.HALTED, s.reason(), s.toString());
            List<Long> reads = report.writtenValues();
            assertEquals(1, reads.size(), reads.toString());
            assertTrue(reads.get(0) > 1, "the guest polled before the RAM was there: " + reads);
            assertEquals(0x600dcafe, mem.readInt(4 * GIB + 8), "the guest's write reached the host's mapping");
        }
    }
}
