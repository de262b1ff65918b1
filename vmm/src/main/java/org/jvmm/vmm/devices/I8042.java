// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import java.util.Objects;
import org.jvmm.vmm.bus.BusDevice;

/**
 * The part of the PS/2 controller a keyboard-less guest touches: the reset line and the probes
 * around it. Linux with {@code reboot=k} waits for the input buffer to drain (status bit 1) and
 * writes 0xFE to port 0x64 (arch/x86/kernel/reboot.c, BOOT_KBD); that reaches
 * {@code resetListener}, as does clearing bit 0 of the output port through command 0xD1.
 * There is no keyboard or mouse behind it and no IRQ.
 *
 * <p>The device spans ports 0x60..0x64 like Firecracker's, so offset 0 is the data port and
 * offset 4 the status/command port. Command set: IBM PS/2 technical reference (8042 commands).
 */
public final class I8042 implements BusDevice {
    public static final int BASE = 0x60;
    public static final int PORT_COUNT = 5;

    static final int DATA = 0;
    static final int COMMAND = 4; // status on read

    static final int STATUS_OUTPUT_FULL = 0x01;
    static final int STATUS_SYSTEM = 0x04; // POST passed
    static final int STATUS_COMMAND = 0x08; // last write went to the command port

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
    static final int CMD_PULSE_RESET = 0xfe;

    /** Bit 0 of the 8042 output port drives the CPU reset line, active low. */
    static final int OUTPUT_PORT_RESET_RELEASED = 0x01;

    static final int SELF_TEST_OK = 0x55;
    static final int INTERFACE_OK = 0x00;

    static final int CTR_KBD_INT = 0x01;
    static final int CTR_SYSTEM = 0x04;
    static final int CTR_KBD_DISABLED = 0x10;
    static final int CTR_AUX_DISABLED = 0x20;
    static final int CTR_XLATE = 0x40;

    private final Runnable resetListener;
    private int ctr = CTR_KBD_INT | CTR_SYSTEM | CTR_XLATE;
    private int output;
    private boolean outputFull;
    private boolean expectCtr;
    private boolean expectOutputPort;
    private boolean lastWasCommand;

    /** {@code resetListener} runs on the vCPU thread that wrote the reset command. */
    public I8042(Runnable resetListener) {
        this.resetListener = Objects.requireNonNull(resetListener, "resetListener");
    }

    @Override
    public long read(long offset, int size) {
        synchronized (this) {
            if (offset == COMMAND) {
                return (outputFull ? STATUS_OUTPUT_FULL : 0) | STATUS_SYSTEM | (lastWasCommand ? STATUS_COMMAND : 0);
            }
            if (offset == DATA) {
                int value = outputFull ? output : 0;
                outputFull = false;
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
                if (expectCtr) {
                    ctr = v;
                } else if (expectOutputPort) {
                    reset = (v & OUTPUT_PORT_RESET_RELEASED) == 0;
                }
                // Anything else is for a keyboard that is not there, and is dropped.
                expectCtr = false;
                expectOutputPort = false;
            }
        }
        if (reset) {
            resetListener.run(); // outside the lock: the listener may stop the VM
        }
    }

    private void command(int v) {
        expectCtr = false;
        expectOutputPort = false;
        switch (v) {
            case CMD_READ_CTR -> respond(ctr);
            case CMD_WRITE_CTR -> expectCtr = true;
            case CMD_WRITE_OUTPUT_PORT -> expectOutputPort = true;
            case CMD_SELF_TEST -> respond(SELF_TEST_OK);
            case CMD_TEST_KBD, CMD_TEST_AUX -> respond(INTERFACE_OK);
            case CMD_DISABLE_KBD -> ctr |= CTR_KBD_DISABLED;
            case CMD_ENABLE_KBD -> ctr &= ~CTR_KBD_DISABLED;
            case CMD_DISABLE_AUX -> ctr |= CTR_AUX_DISABLED;
            case CMD_ENABLE_AUX -> ctr &= ~CTR_AUX_DISABLED;
            default -> {} // includes 0xFE, handled by the caller
        }
    }

    private void respond(int value) {
        output = value;
        outputFull = true;
    }
}
