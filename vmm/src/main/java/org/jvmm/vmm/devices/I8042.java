// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import java.util.Objects;
import org.jvmm.vmm.bus.BusDevice;
import org.jvmm.vmm.bus.IrqLine;

/**
 * The part of the PS/2 controller a keyboard-less guest touches: the reset line and the probes
 * around it. Linux with {@code reboot=k} waits for the input buffer to drain (status bit 1) and
 * writes 0xFE to port 0x64 (arch/x86/kernel/reboot.c, BOOT_KBD); that reaches
 * {@code resetListener}, as does clearing bit 0 of the output port through command 0xD1.
 * There is no keyboard or mouse behind it: bytes sent to them are dropped.
 *
 * <p>The controller itself answers as QEMU's does, because Linux's probe busy-waits on every
 * answer that does not come (drivers/input/serio/i8042.c: up to 10,000 status reads 50 µs apart,
 * each one an exit). Its AUX check loops a byte back through command 0xD3 and expects it with
 * status bit 5 set, then loops one more with the AUX interrupt enabled and waits 250 ms for
 * IRQ 12. Without the loopback and the interrupt that took 3.4 s of a 15 s boot in the lab.
 * So: 0xD2/0xD3 put the next data byte in the output buffer as keyboard/AUX data, and IRQ 1/12
 * follow the output buffer (full, from that source, its interrupt enabled in the command byte)
 * like a wire, as QEMU's pckbd does. Status bit 4 (not inhibited) is set, as in QEMU, so Linux
 * does not warn "Keylock active".
 *
 * <p>The device spans ports 0x60..0x64 like Firecracker's, so offset 0 is the data port and
 * offset 4 the status/command port. Command set: IBM PS/2 technical reference (8042 commands).
 */
public final class I8042 implements BusDevice {
    public static final int BASE = 0x60;
    public static final int PORT_COUNT = 5;
    public static final int KBD_IRQ = 1;
    public static final int AUX_IRQ = 12;

    static final int DATA = 0;
    static final int COMMAND = 4; // status on read

    static final int STATUS_OUTPUT_FULL = 0x01;
    static final int STATUS_SYSTEM = 0x04; // POST passed
    static final int STATUS_COMMAND = 0x08; // last write went to the command port
    static final int STATUS_UNLOCKED = 0x10; // keyboard not inhibited by the key lock
    static final int STATUS_AUX_DATA = 0x20; // the output buffer holds AUX (mouse) data

    static final int CMD_READ_CTR = 0x20;
    static final int CMD_WRITE_CTR = 0x60;
    static final int CMD_DISABLE_AUX = 0xa7;
    static final int CMD_ENABLE_AUX = 0xa8;
    static final int CMD_TEST_AUX = 0xa9;
    static final int CMD_SELF_TEST = 0xaa;
    static final int CMD_TEST_KBD = 0xab;
    static final int CMD_DISABLE_KBD = 0xad;
    static final int CMD_ENABLE_KBD = 0xae;
    static final int CMD_WRITE_OUTPUT_PORT = 0xd1;
    static final int CMD_WRITE_KBD_OUTPUT = 0xd2;
    static final int CMD_WRITE_AUX_OUTPUT = 0xd3;
    static final int CMD_PULSE_RESET = 0xfe;

    /** Bit 0 of the 8042 output port drives the CPU reset line, active low. */
    static final int OUTPUT_PORT_RESET_RELEASED = 0x01;

    static final int SELF_TEST_OK = 0x55;
    static final int INTERFACE_OK = 0x00;

    static final int CTR_KBD_INT = 0x01;
    static final int CTR_AUX_INT = 0x02;
    static final int CTR_SYSTEM = 0x04;
    static final int CTR_KBD_DISABLED = 0x10;
    static final int CTR_AUX_DISABLED = 0x20;
    static final int CTR_XLATE = 0x40;

    /** What the next byte written to the data port is for (after a command that takes one). */
    private enum Pending { NONE, CTR, OUTPUT_PORT, KBD_OUTPUT, AUX_OUTPUT }

    private final Runnable resetListener;
    private final IrqLine kbdIrq;
    private final IrqLine auxIrq;
    private int ctr = CTR_KBD_INT | CTR_SYSTEM | CTR_XLATE;
    private int output;
    private boolean outputFull;
    private boolean outputFromAux;
    private Pending pending = Pending.NONE;
    private boolean lastWasCommand;
    private boolean kbdLevel;
    private boolean auxLevel;

    /**
     * {@code resetListener} runs on the vCPU thread that wrote the reset command; {@code kbdIrq}
     * is ISA IRQ 1 and {@code auxIrq} IRQ 12.
     */
    public I8042(Runnable resetListener, IrqLine kbdIrq, IrqLine auxIrq) {
        this.resetListener = Objects.requireNonNull(resetListener, "resetListener");
        this.kbdIrq = Objects.requireNonNull(kbdIrq, "kbdIrq");
        this.auxIrq = Objects.requireNonNull(auxIrq, "auxIrq");
    }

    @Override
    public long read(long offset, int size) {
        synchronized (this) {
            if (offset == COMMAND) {
                return (outputFull ? STATUS_OUTPUT_FULL : 0) | (outputFull && outputFromAux ? STATUS_AUX_DATA : 0)
                        | STATUS_SYSTEM | STATUS_UNLOCKED | (lastWasCommand ? STATUS_COMMAND : 0);
            }
            if (offset == DATA) {
                int value = outputFull ? output : 0;
                outputFull = false;
                updateIrqs();
                return value;
            }
            return 0;
        }
    }

    @Override
    public void write(long offset, int size, long value) {
        int v = (int) (value & 0xff);
        boolean reset;
        synchronized (this) {
            reset = offset == COMMAND && v == CMD_PULSE_RESET;
            if (offset == COMMAND) {
                lastWasCommand = true;
                command(v);
            } else if (offset == DATA) {
                lastWasCommand = false;
                switch (pending) {
                    case CTR -> ctr = v;
                    case OUTPUT_PORT -> reset = (v & OUTPUT_PORT_RESET_RELEASED) == 0;
                    case KBD_OUTPUT -> respond(v, false);
                    case AUX_OUTPUT -> respond(v, true);
                    case NONE -> {} // for a keyboard that is not there: dropped
                }
                pending = Pending.NONE;
            }
            updateIrqs();
        }
        if (reset) {
            resetListener.run(); // outside the lock: the listener may stop the VM
        }
    }

    private void command(int v) {
        pending = Pending.NONE;
        switch (v) {
            case CMD_READ_CTR -> respond(ctr, false);
            case CMD_WRITE_CTR -> pending = Pending.CTR;
            case CMD_WRITE_OUTPUT_PORT -> pending = Pending.OUTPUT_PORT;
            case CMD_WRITE_KBD_OUTPUT -> pending = Pending.KBD_OUTPUT;
            case CMD_WRITE_AUX_OUTPUT -> pending = Pending.AUX_OUTPUT;
            case CMD_SELF_TEST -> respond(SELF_TEST_OK, false);
            case CMD_TEST_KBD, CMD_TEST_AUX -> respond(INTERFACE_OK, false);
            case CMD_DISABLE_KBD -> ctr |= CTR_KBD_DISABLED;
            case CMD_ENABLE_KBD -> ctr &= ~CTR_KBD_DISABLED;
            case CMD_DISABLE_AUX -> ctr |= CTR_AUX_DISABLED;
            case CMD_ENABLE_AUX -> ctr &= ~CTR_AUX_DISABLED;
            default -> {} // includes 0xFE, handled by the caller
        }
    }

    /** Controller answers arrive as keyboard data, as in QEMU (they raise IRQ 1 if enabled). */
    private void respond(int value, boolean fromAux) {
        output = value;
        outputFull = true;
        outputFromAux = fromAux;
    }

    /** Drives each line only when its level changes: a change is an ioctl on a real machine. */
    private void updateIrqs() {
        boolean kbd = outputFull && !outputFromAux && (ctr & CTR_KBD_INT) != 0;
        boolean aux = outputFull && outputFromAux && (ctr & CTR_AUX_INT) != 0;
        if (kbd != kbdLevel) {
            kbdLevel = kbd;
            kbdIrq.set(kbd);
        }
        if (aux != auxLevel) {
            auxLevel = aux;
            auxIrq.set(aux);
        }
    }
}
