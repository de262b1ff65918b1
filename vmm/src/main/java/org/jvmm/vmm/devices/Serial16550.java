// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import org.jvmm.vmm.bus.BusDevice;
import org.jvmm.vmm.bus.IrqLine;

/**
 * A 16550A UART, enough for Linux's 8250 driver to detect a 16550A (autoconfig in
 * drivers/tty/serial/8250/8250_port.c) and run a console on it. Transmission is instant: a byte
 * written to THR goes to the sink at once, so THR and the shift register are always empty
 * (LSR.THRE and LSR.TEMT always set). Register map: National Semiconductor PC16550D datasheet.
 *
 * <p>Input comes from a host thread through {@link #enqueueInput}. The receive FIFO holds
 * {@value #RX_FIFO_SIZE} bytes; what does not fit is refused, not dropped, and the caller retries
 * after {@link #setRxDrainedListener its listener} fires. A flooding host cannot grow memory, and
 * a flooding guest (loopback writes) sets the overrun bit as real hardware does.
 *
 * <p>The interrupt line is level: high while any enabled interrupt is pending. The OUT2 gate of
 * PC serial cards is not modelled (QEMU does not either), so a guest sees interrupts with or
 * without it. All methods synchronize on the device; the IRQ line and the sink are called with
 * the lock held, so neither may call back into the device.
 */
public final class Serial16550 implements BusDevice {
    public static final int COM1_BASE = 0x3f8;
    public static final int COM1_IRQ = 4;
    public static final int PORT_COUNT = 8;
    /**
     * The 16550A's own FIFO depth. The guest can measure it: Linux's size_fifo() writes 256 bytes
     * in loopback and counts what comes back, and a count of 64 would make it a U6_16550A.
     */
    public static final int RX_FIFO_SIZE = 16;

    static final int DATA = 0; // RBR read, THR write; DLL with DLAB
    static final int IER = 1; // DLM with DLAB
    static final int IIR_FCR = 2; // IIR read, FCR write
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    static final int IER_RDI = 0x01;
    static final int IER_THRI = 0x02;
    static final int IER_RLSI = 0x04;
    static final int IER_MSI = 0x08;
    /** A 16550A implements the low four IER bits; the rest read as zero (autoconfig tests this). */
    static final int IER_MASK = 0x0f;

    static final int IIR_NO_INT = 0x01;
    static final int IIR_MSI = 0x00;
    static final int IIR_THRI = 0x02;
    static final int IIR_RDI = 0x04;
    static final int IIR_RLSI = 0x06;
    static final int IIR_FIFO_ENABLED = 0xc0;

    static final int FCR_ENABLE_FIFO = 0x01;
    static final int FCR_CLEAR_RCVR = 0x02;
    static final int FCR_CLEAR_XMIT = 0x04;

    static final int LCR_DLAB = 0x80;

    static final int MCR_DTR = 0x01;
    static final int MCR_RTS = 0x02;
    static final int MCR_OUT1 = 0x04;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;
    static final int MCR_MASK = 0x1f;

    static final int LSR_DR = 0x01;
    static final int LSR_OE = 0x02;
    static final int LSR_THRE = 0x20;
    static final int LSR_TEMT = 0x40;

    static final int MSR_DCTS = 0x01;
    static final int MSR_DDSR = 0x02;
    static final int MSR_TERI = 0x04;
    static final int MSR_DDCD = 0x08;
    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_RI = 0x40;
    static final int MSR_DCD = 0x80;
    /** Without loopback the modem lines say "carrier, ready, clear to send", as QEMU's do. */
    static final int MSR_IDLE = MSR_DCD | MSR_DSR | MSR_CTS;

    private final IrqLine irq;
    private final OutputStream out;
    private final byte[] rx = new byte[RX_FIFO_SIZE];
    private int rxHead;
    private int rxCount;

    private int ier;
    private int lcr;
    private int mcr = MCR_OUT2;
    private int lsrErrors;
    private int msr = MSR_IDLE;
    private int scr;
    private int divisor = 12; // 9600 baud from the 1.8432 MHz clock, as a BIOS leaves it
    private boolean fifoEnabled;
    private boolean thrEmptyPending;
    private boolean irqLevel;
    private boolean outputBroken;
    private Runnable rxDrained = () -> {};

    public Serial16550(IrqLine irq, OutputStream out) {
        this.irq = Objects.requireNonNull(irq, "irq");
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Called (with the device lock held) when the guest has emptied the receive FIFO. */
    public synchronized void setRxDrainedListener(Runnable listener) {
        rxDrained = Objects.requireNonNull(listener, "listener");
    }

    /** Offers host input; returns how many leading bytes were accepted (the rest: retry later). */
    public synchronized int enqueueInput(byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        int accepted = Math.min(length, RX_FIFO_SIZE - rxCount);
        for (int i = 0; i < accepted; i++) {
            pushRx(data[offset + i]);
        }
        if (accepted > 0) {
            updateIrq();
        }
        return accepted;
    }

    public int enqueueInput(byte[] data) {
        return enqueueInput(data, 0, data.length);
    }

    /** Free space in the receive FIFO. */
    public synchronized int rxFree() {
        return RX_FIFO_SIZE - rxCount;
    }

    /** True once the sink has thrown; output is dropped from then on so the guest keeps running. */
    public synchronized boolean outputBroken() {
        return outputBroken;
    }

    @Override
    public synchronized long read(long offset, int size) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        int value = switch ((int) offset) {
            case DATA -> dlab ? divisor & 0xff : readRbr();
            case IER -> dlab ? divisor >>> 8 & 0xff : ier;
            case IIR_FCR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> readLsr();
            case MSR -> readMsr();
            case SCR -> scr;
            default -> 0xff;
        };
        return value;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) (value & 0xff);
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch ((int) offset) {
            case DATA -> {
                if (dlab) {
                    divisor = divisor & 0xff00 | v;
                } else {
                    writeThr((byte) v);
                }
            }
            case IER -> {
                if (dlab) {
                    divisor = divisor & 0xff | v << 8;
                } else {
                    ier = v & IER_MASK;
                    // 8250_port.c enables THRI to start transmitting and waits for the
                    // interrupt; with THR empty it must come now (QEMU does the same).
                    thrEmptyPending = (ier & IER_THRI) != 0;
                    updateIrq();
                }
            }
            case IIR_FCR -> writeFcr(v);
            case LCR -> lcr = v;
            case MCR -> writeMcr(v & MCR_MASK);
            case SCR -> scr = v;
            default -> {} // LSR and MSR are read-only
        }
    }

    private int readRbr() {
        if (rxCount == 0) {
            return 0;
        }
        int b = rx[rxHead] & 0xff;
        rxHead = (rxHead + 1) % RX_FIFO_SIZE;
        rxCount--;
        updateIrq();
        if (rxCount == 0) {
            rxDrained.run();
        }
        return b;
    }

    private int readIir() {
        int id = pendingInterrupt();
        if (id == IIR_THRI) {
            thrEmptyPending = false; // reading IIR acknowledges THRE (PC16550D table 4)
            updateIrq();
        }
        return id | (fifoEnabled ? IIR_FIFO_ENABLED : 0);
    }

    private int readLsr() {
        int lsr = LSR_THRE | LSR_TEMT | lsrErrors | (rxCount > 0 ? LSR_DR : 0);
        lsrErrors = 0;
        updateIrq();
        return lsr;
    }

    private int readMsr() {
        int value = msr;
        msr &= ~(MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD);
        updateIrq();
        return value;
    }

    private void writeThr(byte b) {
        thrEmptyPending = false;
        updateIrq();
        if ((mcr & MCR_LOOP) != 0) {
            if (rxCount == RX_FIFO_SIZE) {
                lsrErrors |= LSR_OE;
            } else {
                pushRx(b);
            }
        } else if (!outputBroken) {
            try {
                out.write(b);
                out.flush();
            } catch (IOException e) {
                outputBroken = true;
            }
        }
        // Sent at once: THR is empty again, which is a fresh THRE event (a new edge on the line).
        thrEmptyPending = (ier & IER_THRI) != 0;
        updateIrq();
    }

    private void writeFcr(int v) {
        fifoEnabled = (v & FCR_ENABLE_FIFO) != 0;
        if ((v & FCR_CLEAR_RCVR) != 0 || !fifoEnabled) {
            rxHead = 0;
            rxCount = 0;
        }
        updateIrq();
    }

    private void writeMcr(int v) {
        int before = loopbackMsr();
        mcr = v;
        if ((mcr & MCR_LOOP) != 0) {
            int now = loopbackMsr();
            int changed = before ^ now;
            int deltas = (changed & MSR_CTS) != 0 ? MSR_DCTS : 0;
            deltas |= (changed & MSR_DSR) != 0 ? MSR_DDSR : 0;
            deltas |= (changed & MSR_DCD) != 0 ? MSR_DDCD : 0;
            deltas |= (before & MSR_RI) != 0 && (now & MSR_RI) == 0 ? MSR_TERI : 0;
            msr = now | (msr & 0x0f) | deltas;
        } else {
            msr = MSR_IDLE | (msr & 0x0f);
        }
        updateIrq();
    }

    /** Modem status lines as loopback wires them: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
    private int loopbackMsr() {
        if ((mcr & MCR_LOOP) == 0) {
            return msr & 0xf0;
        }
        return ((mcr & MCR_RTS) != 0 ? MSR_CTS : 0)
                | ((mcr & MCR_DTR) != 0 ? MSR_DSR : 0)
                | ((mcr & MCR_OUT1) != 0 ? MSR_RI : 0)
                | ((mcr & MCR_OUT2) != 0 ? MSR_DCD : 0);
    }

    private void pushRx(byte b) {
        rx[(rxHead + rxCount) % RX_FIFO_SIZE] = b;
        rxCount++;
    }

    /** The highest-priority enabled interrupt (PC16550D table 4), or IIR_NO_INT. */
    private int pendingInterrupt() {
        if ((ier & IER_RLSI) != 0 && lsrErrors != 0) {
            return IIR_RLSI;
        }
        if ((ier & IER_RDI) != 0 && rxCount > 0) {
            return IIR_RDI;
        }
        if ((ier & IER_THRI) != 0 && thrEmptyPending) {
            return IIR_THRI;
        }
        if ((ier & IER_MSI) != 0 && (msr & 0x0f) != 0) {
            return IIR_MSI;
        }
        return IIR_NO_INT;
    }

    private void updateIrq() {
        boolean level = pendingInterrupt() != IIR_NO_INT;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }
}
