// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import static org.jvmm.vmm.devices.Serial16550.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class Serial16550Test {
    private final RecordingIrq irq = new RecordingIrq();
    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    private final Serial16550 uart = new Serial16550(irq, sink);

    private int in(int reg) {
        return (int) uart.read(reg, 1);
    }

    private void out(int reg, int value) {
        uart.write(reg, 1, value);
    }

    @Test
    void linuxAutoconfigDetectsA16550A() {
        LinuxAutoconfig probe = new LinuxAutoconfig(uart);
        assertEquals("16550A", probe.probe());
        assertEquals(16, probe.fifoCount);
        probe.startupThreTest();
        assertFalse(probe.threBug);
        assertEquals(0, sink.size()); // loopback bytes never reach the console
        assertFalse(irq.level());
    }

    @Test
    void transmittedBytesReachTheSinkAtOnce() {
        OutputStream counting = new OutputStream() {
            final AtomicInteger flushes = new AtomicInteger();

            @Override
            public void write(int b) {
                sink.write(b);
            }

            @Override
            public void flush() {
                flushes.incrementAndGet();
            }
        };
        Serial16550 live = new Serial16550(irq, counting);
        for (byte b : "hi\n".getBytes()) {
            live.write(DATA, 1, b);
        }
        assertEquals("hi\n", sink.toString());
        assertEquals(LSR_THRE | LSR_TEMT, (int) live.read(LSR, 1));
    }

    @Test
    void divisorLatchSharesPortsWithDataAndIer() {
        out(LCR, LCR_DLAB | 0x03);
        out(DATA, 0x01);
        out(IER, 0x02);
        assertEquals(0x01, in(DATA));
        assertEquals(0x02, in(IER));
        out(LCR, 0x03);
        assertEquals(0, in(IER)); // the divisor write did not touch IER
        assertEquals(0, sink.size()); // nor transmit
        assertEquals(0x03, in(LCR));
    }

    @Test
    void scratchRegisterHoldsAByte() {
        out(SCR, 0xa5);
        assertEquals(0xa5, in(SCR));
    }

    @Test
    void ierKeepsOnlyTheLowNibble() {
        out(IER, 0xff);
        assertEquals(0x0f, in(IER));
    }

    @Test
    void iirShowsFifoBitsOnlyWhenEnabled() {
        assertEquals(IIR_NO_INT, in(IIR_FCR));
        out(IIR_FCR, FCR_ENABLE_FIFO);
        assertEquals(IIR_FIFO_ENABLED | IIR_NO_INT, in(IIR_FCR));
        out(IIR_FCR, 0);
        assertEquals(IIR_NO_INT, in(IIR_FCR));
    }

    @Test
    void enablingThriRaisesThreAndReadingIirAcknowledgesIt() {
        out(IER, IER_THRI);
        assertEquals(List.of(true), irq.levels);
        assertEquals(IIR_THRI, in(IIR_FCR));
        assertFalse(irq.level());
        assertEquals(IIR_NO_INT, in(IIR_FCR));
        out(IER, IER_THRI); // written again with THRI set: re-armed, as the 8250 driver expects
        assertTrue(irq.level());
    }

    @Test
    void eachTransmittedByteIsAFreshThreEdge() {
        out(IER, IER_THRI); // THRE pending: line high
        irq.levels.clear();
        out(DATA, 'x');
        assertEquals(List.of(false, true), irq.levels); // low while THR is full, high when it empties
        out(IER, 0);
        assertFalse(irq.level());
    }

    @Test
    void receivedDataRaisesRdiUntilDrained() {
        out(IIR_FCR, FCR_ENABLE_FIFO);
        out(IER, IER_RDI);
        assertEquals(3, uart.enqueueInput("abc".getBytes()));
        assertTrue(irq.level());
        assertEquals(IIR_FIFO_ENABLED | IIR_RDI, in(IIR_FCR));
        assertEquals(LSR_DR | LSR_THRE | LSR_TEMT, in(LSR));
        assertEquals('a', in(DATA));
        assertEquals('b', in(DATA));
        assertTrue(irq.level());
        assertEquals('c', in(DATA));
        assertFalse(irq.level());
        assertEquals(LSR_THRE | LSR_TEMT, in(LSR));
        assertEquals(0, in(DATA)); // empty FIFO reads 0
    }

    @Test
    void rdiOutranksThre() {
        out(IER, IER_RDI | IER_THRI);
        uart.enqueueInput(new byte[] {1});
        assertEquals(IIR_RDI, in(IIR_FCR));
        in(DATA);
        assertEquals(IIR_THRI, in(IIR_FCR));
        assertEquals(IIR_NO_INT, in(IIR_FCR));
    }

    @Test
    void hostInputIsBoundedAndTheRestIsRefused() {
        byte[] flood = new byte[100];
        assertEquals(RX_FIFO_SIZE, uart.enqueueInput(flood));
        assertEquals(0, uart.enqueueInput(flood));
        assertEquals(0, uart.rxFree());
        in(DATA);
        assertEquals(1, uart.enqueueInput(flood, 5, 10));
    }

    @Test
    void drainedListenerFiresWhenTheGuestEmptiesTheFifo() {
        AtomicInteger calls = new AtomicInteger();
        uart.setRxDrainedListener(calls::incrementAndGet);
        uart.enqueueInput(new byte[] {1, 2});
        in(DATA);
        assertEquals(0, calls.get());
        in(DATA);
        assertEquals(1, calls.get());
    }

    @Test
    void loopbackWiresModemLinesAndEchoesData() {
        out(MCR, MCR_LOOP | MCR_DTR | MCR_RTS | MCR_OUT1 | MCR_OUT2);
        assertEquals(MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD, in(MSR) & 0xf0);
        out(MCR, MCR_LOOP);
        assertEquals(MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD, in(MSR));
        assertEquals(0, in(MSR)); // deltas clear on read
        out(DATA, 0x42);
        assertEquals(LSR_DR | LSR_THRE | LSR_TEMT, in(LSR));
        assertEquals(0x42, in(DATA));
        out(MCR, 0);
        assertEquals(MSR_IDLE, in(MSR) & 0xf0);
        assertEquals(0, sink.size());
    }

    @Test
    void loopbackOverrunSetsOeAndRaisesLineStatusInterrupt() {
        out(MCR, MCR_LOOP);
        out(IER, IER_RLSI);
        for (int i = 0; i <= RX_FIFO_SIZE; i++) {
            out(DATA, i);
        }
        assertEquals(IIR_RLSI, in(IIR_FCR));
        assertTrue(irq.level());
        assertEquals(LSR_OE | LSR_DR | LSR_THRE | LSR_TEMT, in(LSR));
        assertEquals(LSR_DR | LSR_THRE | LSR_TEMT, in(LSR)); // OE clears on read
        assertFalse(irq.level());
    }

    @Test
    void modemStatusInterruptWhenEnabled() {
        out(IER, IER_MSI);
        out(MCR, MCR_LOOP);
        out(MCR, MCR_LOOP | MCR_RTS);
        assertEquals(IIR_MSI, in(IIR_FCR));
        assertTrue(irq.level());
        in(MSR);
        assertFalse(irq.level());
    }

    @Test
    void fcrClearsTheReceiveFifo() {
        uart.enqueueInput("xyz".getBytes());
        out(IIR_FCR, FCR_ENABLE_FIFO | FCR_CLEAR_RCVR);
        assertEquals(LSR_THRE | LSR_TEMT, in(LSR));
        assertEquals(RX_FIFO_SIZE, uart.rxFree());
    }

    @Test
    void irqLineOnlyMovesOnChanges() {
        out(IER, IER_RDI);
        uart.enqueueInput(new byte[] {1});
        uart.enqueueInput(new byte[] {2});
        in(LSR);
        in(DATA);
        in(DATA);
        assertEquals(List.of(true, false), irq.levels);
    }

    @Test
    void aBrokenSinkDropsOutputButKeepsTheGuestRunning() {
        Serial16550 broken = new Serial16550(irq, new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("closed");
            }
        });
        broken.write(DATA, 1, 'a');
        broken.write(DATA, 1, 'b');
        assertTrue(broken.outputBroken());
        assertEquals(LSR_THRE | LSR_TEMT, (int) broken.read(LSR, 1));
    }

    @Test
    void resetStateLooksLikeAnIdlePort() {
        assertArrayEquals(new int[] {0, 0, IIR_NO_INT, 0, MCR_OUT2, LSR_THRE | LSR_TEMT, MSR_IDLE, 0},
                new int[] {in(0), in(1), in(2), in(3), in(4), in(5), in(6), in(7)});
    }
}
