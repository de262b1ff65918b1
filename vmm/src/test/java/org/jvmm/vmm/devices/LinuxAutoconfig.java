// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import org.jvmm.vmm.bus.BusDevice;

/**
 * Replays, against a device, the register sequence of Linux's 8250 probe
 * (drivers/tty/serial/8250/8250_port.c: autoconfig, autoconfig_16550a with the 16550A variant
 * tests, size_fifo, and the THRE re-assertion test in serial8250_do_startup) and returns the
 * type name the driver would settle on. Written from the driver's description, for tests only.
 */
final class LinuxAutoconfig {
    private static final int RX = 0, IER = 1, IIR = 2, FCR = 2, EFR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6;
    private static final int CONF_MODE_A = 0x80, CONF_MODE_B = 0xbf, LOOP = 0x10;

    private final BusDevice d;
    boolean threBug;
    int fifoCount;

    LinuxAutoconfig(BusDevice d) {
        this.d = d;
    }

    private int in(int reg) {
        return (int) d.read(reg, 1) & 0xff;
    }

    private void out(int reg, int value) {
        d.write(reg, 1, value & 0xff);
    }

    String probe() {
        int saved = in(IER);
        out(IER, 0);
        int scratch2 = in(IER) & 0x0f;
        out(IER, 0x0f);
        int scratch3 = in(IER) & 0x0f;
        out(IER, saved);
        if (scratch2 != 0 || scratch3 != 0x0f) {
            return "none (IER test)";
        }
        int saveMcr = in(MCR);
        int saveLcr = in(LCR);
        out(MCR, LOOP | 0x0a);
        int status1 = in(MSR) & 0xf0;
        out(MCR, saveMcr);
        if (status1 != 0x90) {
            return "none (LOOP test %02x)".formatted(status1);
        }
        out(LCR, CONF_MODE_B);
        out(EFR, 0);
        out(LCR, 0);
        out(FCR, 0x01);
        String type = switch (in(IIR) >> 6) {
            case 0 -> "8250";
            case 1 -> "unknown";
            case 2 -> "16550";
            default -> variant16550a();
        };
        out(LCR, saveLcr);
        out(MCR, saveMcr);
        out(FCR, 0x01 | 0x02 | 0x04);
        out(FCR, 0);
        in(RX);
        out(IER, 0);
        return type;
    }

    private String variant16550a() {
        out(LCR, CONF_MODE_A);
        if (in(EFR) == 0) {
            return "16650 (EFR with DLAB)";
        }
        out(LCR, CONF_MODE_B);
        if (in(EFR) == 0) {
            return "16650V2 (EFR)";
        }
        out(LCR, 0);
        int status1 = in(MCR);
        out(LCR, 0xe0);
        int status2 = in(2);
        if (((status2 ^ status1) & LOOP) == 0) {
            out(LCR, 0);
            out(MCR, status1 ^ LOOP);
            out(LCR, 0xe0);
            status2 = in(2);
            out(LCR, 0);
            out(MCR, status1);
            if (((status2 ^ status1) & LOOP) != 0) {
                return "NS16550A";
            }
        }
        out(LCR, 0);
        out(FCR, 0x01 | 0x20);
        int iir1 = in(IIR) >> 5;
        out(FCR, 0x01);
        out(LCR, CONF_MODE_A);
        out(FCR, 0x01 | 0x20);
        int iir2 = in(IIR) >> 5;
        out(FCR, 0x01);
        out(LCR, 0);
        if (iir1 == 6 && iir2 == 7) {
            return "16750";
        }
        int iersave = in(IER);
        out(IER, iersave & ~0x40);
        if ((in(IER) & 0x40) == 0) {
            out(IER, iersave | 0x40);
            if ((in(IER) & 0x40) != 0) {
                return "XScale";
            }
        }
        out(IER, iersave);
        fifoCount = sizeFifo();
        return fifoCount == 64 ? "U6_16550A" : "16550A";
    }

    private int sizeFifo() {
        int oldLcr = in(LCR);
        out(LCR, 0);
        int oldFcr = in(FCR);
        int oldMcr = in(MCR);
        out(FCR, 0x01 | 0x02 | 0x04);
        out(MCR, LOOP);
        out(LCR, CONF_MODE_A);
        int oldDl = in(0) | in(1) << 8;
        out(0, 1);
        out(1, 0);
        out(LCR, 0x03);
        for (int i = 0; i < 256; i++) {
            out(RX, i);
        }
        int count = 0;
        while ((in(LSR) & 0x01) != 0 && count < 256) {
            in(RX);
            count++;
        }
        out(FCR, oldFcr);
        out(MCR, oldMcr);
        out(LCR, CONF_MODE_A);
        out(0, oldDl);
        out(1, oldDl >> 8);
        out(LCR, oldLcr);
        return count;
    }

    /** serial8250_do_startup's check that enabling THRI raises THRE again (UART_BUG_THRE). */
    void startupThreTest() {
        if ((in(LSR) & 0xff) == 0xff) {
            throw new AssertionError("LSR reads 0xff: no UART");
        }
        out(IER, 0x02);
        int iir1 = in(IIR);
        out(IER, 0);
        out(IER, 0x02);
        int iir = in(IIR);
        out(IER, 0);
        threBug = (iir1 & 0x01) == 0 && (iir & 0x01) != 0;
    }
}
