// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.acpi.AcpiPm;
import org.jvmm.vmm.bus.Bus;
import org.jvmm.vmm.bus.BusDevice;
import org.jvmm.vmm.devices.CmosRtc;
import org.jvmm.vmm.devices.DebugExit;
import org.jvmm.vmm.devices.I8042;
import org.jvmm.vmm.devices.Serial16550;
import org.jvmm.vmm.exit.VcpuExit;
import org.jvmm.vmm.fuzz.FuzzEngine;
import org.jvmm.vmm.fuzz.JazzerBridge;
import org.jvmm.vmm.fuzz.FuzzInput;
import org.jvmm.vmm.fuzz.FuzzTarget;
import org.jvmm.vmm.spi.MsrAnswer;
import org.jvmm.vmm.spi.MsrHandler;
import org.jvmm.vmm.kvm.Vcpu;

/**
 * Exit fuzzing of the real dispatch ({@link VcpuLoop#handle}) with the devices a Linux VM gets, at
 * the ports {@code LinuxVm} gives them: COM1, i8042, CMOS, debug-exit, ACPI PM; MMIO to a device
 * that checks the bus keeps it inside its range; MSR exits to handlers at the edges of the index
 * space. A {@code kvm_run} with guard bands stands in for KVM's mapping. Findings: an exception
 * other than the documented {@link VcpuException}, a device handed an offset outside its range,
 * a write past {@code kvm_run}, COM1 no longer transmitting once the guest programs it sanely.
 */
class ExitFuzzTest {
    private static final long RUN_SIZE = 3 * 4096;
    private static final long GUARD = 4096;
    private static final int MMIO_BASE = 0xfed0_0000;
    private static final int MMIO_LEN = 0x1000;
    private static final int[] PORTS = {0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, 0x60, 0x61, 0x64,
        0x70, 0x71, 0x501, 0x502, 0x600, 0x602, 0x604, 0x620, 0x623, 0x80, 0x3f7, 0x400, 0xffff};

    /** A device that must only see offsets inside its range, as the bus promises. */
    private static final class RangeChecked implements BusDevice {
        private final long length;

        RangeChecked(long length) {
            this.length = length;
        }

        @Override
        public long read(long offset, int size) {
            check(offset);
            return offset;
        }

        @Override
        public void write(long offset, int size, long value) {
            check(offset);
        }

        private void check(long offset) {
            if (Long.compareUnsigned(offset, length) >= 0) {
                throw new AssertionError("bus handed offset 0x%x to a device of length 0x%x".formatted(offset, length));
            }
        }
    }

    /** An MSR handler that must only see indexes in [first, first + count). */
    private record RangeMsrs(long first, long count) implements MsrHandler {
        @Override
        public MsrAnswer read(Vcpu vcpu, int index) {
            check(index);
            return MsrAnswer.value(index);
        }

        @Override
        public MsrAnswer write(Vcpu vcpu, int index, long value) {
            check(index);
            return (value & 1) == 0 ? MsrAnswer.OK : MsrAnswer.FAULT;
        }

        private void check(int index) {
            long i = Integer.toUnsignedLong(index);
            if (i < first || i >= first + count) {
                throw new AssertionError("MSR 0x%x handed to the handler of [0x%x, +0x%x)".formatted(i, first, count));
            }
        }
    }

    static final class Target implements FuzzTarget {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment all = arena.allocate(RUN_SIZE + 2 * GUARD, 4096);
        private final MemorySegment run = all.asSlice(GUARD, RUN_SIZE);
        private final Clock clock = Clock.fixed(Instant.parse("2026-12-07T01:02:03Z"), ZoneOffset.UTC);
        private ByteArrayOutputStream console;
        private Serial16550 serial;
        private VcpuLoop loop;
        private Bus pio;
        private MsrRegistry msrs;
        private final List<String> ended = new ArrayList<>();

        @Override
        public String name() {
            return "exits";
        }

        private void fresh() {
            all.fill((byte) 0x5a);
            run.fill((byte) 0);
            console = new ByteArrayOutputStream();
            ended.clear();
            pio = new Bus("pio");
            Bus mmio = new Bus("mmio");
            serial = new Serial16550(level -> { }, console);
            pio.register(Serial16550.COM1_BASE, Serial16550.PORT_COUNT, serial, "com1");
            pio.register(I8042.BASE, I8042.PORT_COUNT, new I8042(() -> ended.add("reset"), level -> { }, level -> { }), "i8042");
            pio.register(CmosRtc.BASE, CmosRtc.PORT_COUNT, new CmosRtc(512L << 20, 1L << 30, clock), "cmos");
            pio.register(DebugExit.BASE, DebugExit.PORT_COUNT, new DebugExit(code -> ended.add("debug " + code)), "debug-exit");
            pio.register(0x80, 1, new RangeChecked(1), "post-code");
            pio.register(AcpiPm.BASE, AcpiPm.PORT_COUNT, new AcpiPm(() -> ended.add("s5")), "acpi-pm");
            mmio.register(MMIO_BASE, MMIO_LEN, new RangeChecked(MMIO_LEN), "mmio-dev");
            mmio.register(-MMIO_LEN, MMIO_LEN, new RangeChecked(MMIO_LEN), "mmio-top");
            msrs = new MsrRegistry();
            msrs.register(0, 0x10, new RangeMsrs(0, 0x10), "low");
            msrs.register(0x4000_0000, 0x100, new RangeMsrs(0x4000_0000L, 0x100), "synthetic");
            msrs.register(0xffff_fff0, 0x10, new RangeMsrs(0xffff_fff0L, 0x10), "top");
            loop = new VcpuLoop(0, null, run, new ExitRouting(pio, mmio, msrs, List.of()));
        }

        @Override
        public List<byte[]> seeds() {
            List<byte[]> s = new ArrayList<>();
            // one of each exit kind, to every device, well-formed
            for (int kind = 0; kind < 8; kind++) {
                for (int port = 0; port < PORTS.length; port += 3) {
                    s.add(new byte[] {(byte) kind, (byte) (port), 0, 1, 0, 1, 0, 0, 0x10, 0, 0x41});
                }
            }
            return s;
        }

        @Override
        public void run(FuzzInput in) {
            fresh();
            int ops = 1 + in.pick(16);
            for (int i = 0; i < ops && in.hasMore(); i++) {
                VcpuExit exit = exit(in);
                String kind = exit.getClass().getSimpleName();
                try {
                    VmExitStatus status = loop.handle(exit);
                    in.reach(kind + " " + describe(exit) + (status == null ? "" : " ends " + status.reason()));
                } catch (VcpuException e) {
                    in.reach(kind + " refused");
                }
            }
            checkGuards();
            // Whatever came before, a guest that programs COM1 sanely must get its byte out.
            int before = console.size();
            loop.handle(new VcpuExit.Io(Serial16550.COM1_BASE + 4, 1, VcpuExit.IO_OUT, 1, data((byte) 0x08)));
            loop.handle(new VcpuExit.Io(Serial16550.COM1_BASE + 3, 1, VcpuExit.IO_OUT, 1, data((byte) 0x03)));
            loop.handle(new VcpuExit.Io(Serial16550.COM1_BASE, 1, VcpuExit.IO_OUT, 1, data((byte) 'Z')));
            byte[] out = console.toByteArray();
            if (serial.outputBroken() || out.length != before + 1 || out[out.length - 1] != 'Z') {
                throw new AssertionError("COM1 does not transmit after the input (console grew by %d)"
                        .formatted(out.length - before));
            }
        }

        private long data(byte b) {
            run.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 4096, b);
            return 4096;
        }

        private void checkGuards() {
            for (long off : new long[] {0, GUARD + RUN_SIZE}) {
                for (long i = 0; i < GUARD; i++) {
                    if (all.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off + i) != 0x5a) {
                        throw new AssertionError("write outside kvm_run at guard offset " + (off + i));
                    }
                }
            }
        }

        private VcpuExit exit(FuzzInput in) {
            return switch (in.pick(8)) {
                case 0, 1 -> {
                    int port = in.bool() ? PORTS[in.pick(PORTS.length)] : in.u16();
                    int size = in.pick(1, 1, 2, 4, 0, 3, 8);
                    int count = in.bool() ? 1 : in.edgy32();
                    long offset = in.bool() ? 4096 : in.edgy64();
                    byte[] payload = in.bytes(16);
                    if (offset >= 0 && offset <= RUN_SIZE - payload.length) {
                        run.asSlice(offset, payload.length).copyFrom(MemorySegment.ofArray(payload));
                    }
                    yield new VcpuExit.Io(port, size, in.bool() ? VcpuExit.IO_OUT : VcpuExit.IO_IN, count, offset);
                }
                case 2 -> {
                    long gpa = switch (in.pick(3)) {
                        case 0 -> MMIO_BASE + in.pick(MMIO_LEN + 8) - 4L;
                        case 1 -> -MMIO_LEN + in.pick(MMIO_LEN);
                        default -> in.edgy64();
                    };
                    yield new VcpuExit.Mmio(gpa, in.pick(1, 2, 4, 8, 0, 3, 9, -1), in.bool(), in.u64());
                }
                case 3 -> new VcpuExit.MsrRead(msr(in), in.u8());
                case 4 -> new VcpuExit.MsrWrite(msr(in), in.edgy64(), in.u8());
                case 5 -> new VcpuExit.SystemEvent(in.pick(5), in.u64());
                case 6 -> in.bool() ? VcpuExit.HLT : VcpuExit.INTERRUPTED;
                default -> new VcpuExit.Unknown(in.u8());
            };
        }

        private static int msr(FuzzInput in) {
            return switch (in.pick(4)) {
                case 0 -> in.pick(0x12);
                case 1 -> 0x4000_0000 + in.pick(0x102) - 1;
                case 2 -> 0xffff_ffef + in.pick(0x11);
                default -> in.edgy32();
            };
        }

        private String describe(VcpuExit exit) {
            return switch (exit) {
                case VcpuExit.Io io -> pio.isClaimed(io.port())
                        ? "port 0x%x size %d %s".formatted(io.port(), io.size(), io.isOut() ? "out" : "in -> " + Long.toHexString(
                                (run.get(java.lang.foreign.ValueLayout.JAVA_BYTE, io.dataOffset()) & 0xff) >>> 4))
                        : "unclaimed port " + (io.isOut() ? "out" : "in");
                case VcpuExit.Mmio m -> "mmio " + (m.isWrite() ? "write" : "read") + " size " + m.size()
                        + (Long.compareUnsigned(m.gpa() - MMIO_BASE, MMIO_LEN) < 0 ? " dev" : " other");
                case VcpuExit.MsrRead m -> "rdmsr " + (msrs.isHandled(m.index()) ? "handled" : "unhandled");
                case VcpuExit.MsrWrite m -> "wrmsr " + (msrs.isHandled(m.index()) ? "handled " + (m.value() & 1) : "unhandled");
                case VcpuExit.SystemEvent e -> "event " + e.type();
                default -> "";
            } + (ended.isEmpty() ? "" : " ended " + ended.getLast().split(" ")[0]);
        }
    }

    @Test
    void exitDispatchSurvivesHostileExits() {
        FuzzEngine.fuzz(new Target()).assertNoFindings();
    }

    /** One target for every Jazzer input: its guarded RAM is allocated once, its devices per input. */
    private static final class Jazzer {
        static final Target TARGET = new Target();
    }

    /** The same target under Jazzer: corpus replay in a normal build, coverage-guided with JAZZER_FUZZ=1. */
    @FuzzTest(maxDuration = "60s")
    void exits(byte[] data) throws Exception {
        JazzerBridge.run(Jazzer.TARGET, data);
    }

    /** The harness can fail: a device that throws is a finding, with the input that did it. */
    @Test
    void theHarnessReportsAnEscapingException() {
        FuzzTarget broken = new FuzzTarget() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public List<byte[]> seeds() {
                return List.of(new byte[] {1});
            }

            @Override
            public void run(FuzzInput in) {
                if (in.u8() == 0x42) {
                    throw new IllegalStateException("reached");
                }
                in.reach("other");
            }
        };
        FuzzEngine.Report r = FuzzEngine.fuzz(broken, java.time.Duration.ofSeconds(20), 1, 200_000);
        assertEquals(1, r.findings().size());
        assertEquals(0x42, r.findings().get(0).input()[0]);
        assertTrue(r.findings().get(0).failure() instanceof IllegalStateException);
    }
}
