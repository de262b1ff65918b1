// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.bus.Bus;
import org.jvmm.vmm.exit.ExitDecoder;
import org.jvmm.vmm.exit.VcpuExit;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.spi.ExitHandler;
import org.jvmm.vmm.testing.RecordingDevice;
import org.jvmm.vmm.testing.RecordingDevice.Access;

/** VcpuLoop.handle fed synthetic exits over a kvm_run-sized segment: no KVM, no threads. */
class VcpuLoopHandleTest {
    private static final long MAPPING = 3 * 4096;
    private Arena arena;
    private MemorySegment run;
    private Bus pio;
    private Bus mmio;
    private MsrRegistry msrs;
    private final List<ExitHandler> handlers = new ArrayList<>();
    private final RecordingDevice port = new RecordingDevice();
    private final RecordingDevice mem = new RecordingDevice();

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        run = arena.allocate(MAPPING, 4096);
        pio = new Bus("pio");
        mmio = new Bus("mmio");
        msrs = new MsrRegistry();
        pio.register(0x3f8, 8, port, "port");
        mmio.register(0xd000_0000L, 0x1000, mem, "mem");
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    private VcpuLoop loop() {
        return new VcpuLoop(0, null, run, new ExitRouting(pio, mmio, msrs, handlers));
    }

    @Test
    void repOutsWritesEveryElementInOrder() {
        run.set(GuestMemory.LE_SHORT, 4096, (short) 0x1111);
        run.set(GuestMemory.LE_SHORT, 4098, (short) 0x2222);
        run.set(GuestMemory.LE_SHORT, 4100, (short) 0x3333);
        assertNull(loop().handle(new VcpuExit.Io(0x3f8, 2, VcpuExit.IO_OUT, 3, 4096)));
        assertEquals(List.of(0x1111L, 0x2222L, 0x3333L), port.writtenValues());
    }

    @Test
    void repInsFillsEveryElement() {
        port.reply(0xa1, 0xa2);
        loop().handle(new VcpuExit.Io(0x3f9, 1, VcpuExit.IO_IN, 2, 4096));
        assertEquals((byte) 0xa1, run.get(JAVA_BYTE, 4096));
        assertEquals((byte) 0xa2, run.get(JAVA_BYTE, 4097));
        assertEquals(1, port.accesses().get(0).offset());
    }

    @Test
    void ioDataOutsideTheMappingIsRefusedBeforeAnyAccess() {
        VcpuLoop l = loop();
        for (VcpuExit.Io bad : List.of(
                new VcpuExit.Io(0x3f8, 1, VcpuExit.IO_OUT, 1, MAPPING),          // starts at the end
                new VcpuExit.Io(0x3f8, 4, VcpuExit.IO_OUT, 1, MAPPING - 2),      // straddles the end
                new VcpuExit.Io(0x3f8, 1, VcpuExit.IO_IN, -1, 4096),             // count 2^32-1
                new VcpuExit.Io(0x3f8, 4, VcpuExit.IO_IN, 0x4000_0001, 0),       // count*size wraps int
                new VcpuExit.Io(0x3f8, 1, VcpuExit.IO_OUT, 1, -8),               // offset "negative"
                new VcpuExit.Io(0x3f8, 3, VcpuExit.IO_OUT, 1, 4096),             // size 3
                new VcpuExit.Io(0x3f8, 1, VcpuExit.IO_OUT, 0, 4096))) {          // count 0
            VcpuException e = assertThrows(VcpuException.class, () -> l.handle(bad), bad.toString());
            assertTrue(e.getMessage().startsWith("vcpu 0: malformed KVM_EXIT_IO"), e.getMessage());
        }
        assertEquals(List.of(), port.accesses());
        // The last element may end exactly at the end of the mapping.
        l.handle(new VcpuExit.Io(0x3f8, 4, VcpuExit.IO_OUT, 2, MAPPING - 8));
        assertEquals(2, port.writes().size());
    }

    @Test
    void mmioReadStoresMaskedValueAndWriteForwardsData() {
        mem.reply(0xffff_ffff_ffffL);
        loop().handle(new VcpuExit.Mmio(0xd000_0010L, 2, false, 0));
        assertEquals(0xffffL, run.get(JAVA_LONG, ExitDecoder.MMIO_DATA));
        loop().handle(new VcpuExit.Mmio(0xd000_0020L, 8, true, -1L));
        assertEquals(new Access(true, 0x20, 8, -1L), mem.accesses().get(1));
        assertThrows(VcpuException.class, () -> loop().handle(new VcpuExit.Mmio(0xd000_0000L, 9, true, 0)));
    }

    @Test
    void unclaimedMmioReadsAllOnes() {
        loop().handle(new VcpuExit.Mmio(0xe000_0000L, 4, false, 0));
        assertEquals(0xffff_ffffL, run.get(JAVA_LONG, ExitDecoder.MMIO_DATA));
    }

    @Test
    void unhandledMsrSetsTheErrorFlag() {
        loop().handle(new VcpuExit.MsrRead(0x1234, 2));
        assertEquals(1, run.get(JAVA_BYTE, ExitDecoder.MSR_ERROR));
    }

    @Test
    void endingExitsGiveAStatus() {
        assertEquals(VmExitStatus.Reason.HALTED, loop().handle(VcpuExit.HLT).reason());
        assertEquals(VmExitStatus.Reason.SHUTDOWN, loop().handle(VcpuExit.SHUTDOWN).reason());
        assertEquals(VmExitStatus.Reason.RESET, loop().handle(new VcpuExit.SystemEvent(2, 0)).reason());
        assertEquals(VmExitStatus.Reason.POWER_OFF, loop().handle(new VcpuExit.SystemEvent(1, 0)).reason());
        assertEquals(VmExitStatus.Reason.CRASH, loop().handle(new VcpuExit.SystemEvent(3, 0)).reason());
        assertNull(loop().handle(VcpuExit.INTERRUPTED));
    }

    @Test
    void exitsNobodyClaimsAreLoudAndHandlersAreAskedInOrder() {
        VcpuException e = assertThrows(VcpuException.class, () -> loop().handle(new VcpuExit.Unknown(42)));
        assertEquals("vcpu 0: unhandled exit Unknown[reason=42] [registers unavailable]", e.getMessage());
        List<String> asked = new ArrayList<>();
        handlers.add((v, x) -> asked.add("first") && false);
        handlers.add((v, x) -> asked.add("second") && x instanceof VcpuExit.Hyperv);
        assertNull(loop().handle(new VcpuExit.Hyperv(2, run.asSlice(32, 256))));
        assertEquals(List.of("first", "second"), asked);
        assertThrows(VcpuException.class, () -> loop().handle(new VcpuExit.SystemEvent(99, 0)));
    }

    @Test
    void theHypervFastPathHandsOverKvmRunsHypervPartAndCountsIt() {
        List<VcpuExit.Hyperv> seen = new ArrayList<>();
        handlers.add((v, x) -> x instanceof VcpuExit.Hyperv h && seen.add(h));
        org.jvmm.vmm.stats.ExitCensus census = new org.jvmm.vmm.stats.ExitCensus();
        ExitDispatcher d = new ExitDispatcher(0, null, run, new ExitRouting(pio, mmio, msrs, handlers), census);
        // The handler writes through the view into kvm_run itself, where KVM reads the result.
        run.set(JAVA_LONG, ExitDecoder.HYPERV + 16, 0x5CL);
        assertNull(d.handleHyperv(2));
        assertNull(d.handleHyperv(1));
        assertEquals(List.of(2, 1), seen.stream().map(VcpuExit.Hyperv::type).toList());
        MemorySegment hv = seen.get(0).hyperv();
        assertEquals(ExitDecoder.HYPERV_SIZE, hv.byteSize());
        assertEquals(0x5CL, hv.get(JAVA_LONG, 16));
        hv.set(JAVA_LONG, 24, 0x12L);
        assertEquals(0x12L, run.get(JAVA_LONG, ExitDecoder.HYPERV + 24));
        org.jvmm.vmm.stats.CountGroups counts = census.snapshot();
        assertEquals(2, counts.get(org.jvmm.vmm.stats.ExitCensus.EXITS,
                org.jvmm.vmm.stats.ExitReasons.name(ExitDecoder.EXIT_HYPERV)), counts.toString());
        assertEquals(1, counts.get(org.jvmm.vmm.stats.ExitCensus.HYPERV,
                org.jvmm.vmm.stats.ExitReasons.hypervType(2)), counts.toString());
    }
}
