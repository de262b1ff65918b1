// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import static org.jvmm.vmm.devices.I8042.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class I8042Test {
    private final AtomicInteger resets = new AtomicInteger();
    private final I8042 kbc = new I8042(resets::incrementAndGet);

    private int status() {
        return (int) kbc.read(COMMAND, 1);
    }

    @Test
    void idleStatusHasEmptyBuffersAndPostDone() {
        assertEquals(STATUS_SYSTEM, status());
        assertEquals(0, kbc.read(DATA, 1));
    }

    @Test
    void pulseResetCallsTheListenerOncePerWrite() {
        // arch/x86/kernel/reboot.c: wait for input buffer empty, then 0xFE, up to ten times
        for (int i = 0; i < 3; i++) {
            assertEquals(0, status() & 0x02);
            kbc.write(COMMAND, 1, 0xfe);
        }
        assertEquals(3, resets.get());
    }

    @Test
    void otherCommandsDoNotReset() {
        kbc.write(COMMAND, 1, 0xfd);
        kbc.write(DATA, 1, 0xfe); // 0xFE to the data port is a keyboard byte, not a reset
        assertEquals(0, resets.get());
    }

    @Test
    void selfTestAnswers0x55OnTheDataPort() {
        kbc.write(COMMAND, 1, CMD_SELF_TEST);
        assertEquals(STATUS_OUTPUT_FULL | STATUS_SYSTEM | STATUS_COMMAND, status());
        assertEquals(0x55, kbc.read(DATA, 1));
        assertEquals(0, status() & STATUS_OUTPUT_FULL);
        assertEquals(0, kbc.read(DATA, 1));
    }

    @Test
    void commandByteReadsBackWhatWasWritten() {
        kbc.write(COMMAND, 1, CMD_READ_CTR);
        assertEquals(CTR_KBD_INT | CTR_SYSTEM | CTR_XLATE, kbc.read(DATA, 1));
        kbc.write(COMMAND, 1, CMD_WRITE_CTR);
        kbc.write(DATA, 1, 0x30);
        kbc.write(COMMAND, 1, CMD_READ_CTR);
        assertEquals(0x30, kbc.read(DATA, 1));
        kbc.write(DATA, 1, 0x99); // not after 0x60: ignored
        kbc.write(COMMAND, 1, CMD_READ_CTR);
        assertEquals(0x30, kbc.read(DATA, 1));
    }

    @Test
    void enableAndDisableTouchTheCommandByte() {
        kbc.write(COMMAND, 1, CMD_DISABLE_KBD);
        kbc.write(COMMAND, 1, CMD_DISABLE_AUX);
        kbc.write(COMMAND, 1, CMD_READ_CTR);
        assertEquals(CTR_KBD_INT | CTR_SYSTEM | CTR_XLATE | CTR_KBD_DISABLED | CTR_AUX_DISABLED, kbc.read(DATA, 1));
        kbc.write(COMMAND, 1, CMD_ENABLE_KBD);
        kbc.write(COMMAND, 1, CMD_ENABLE_AUX);
        kbc.write(COMMAND, 1, CMD_READ_CTR);
        assertEquals(CTR_KBD_INT | CTR_SYSTEM | CTR_XLATE, kbc.read(DATA, 1));
    }

    @Test
    void interfaceTestsPass() {
        kbc.write(COMMAND, 1, CMD_TEST_KBD);
        assertEquals(0, kbc.read(DATA, 1));
        kbc.write(COMMAND, 1, CMD_TEST_AUX);
        assertEquals(STATUS_OUTPUT_FULL, status() & STATUS_OUTPUT_FULL);
        assertEquals(0, kbc.read(DATA, 1));
    }

    @Test
    void clearingTheResetBitOfTheOutputPortResets() {
        kbc.write(COMMAND, 1, CMD_WRITE_OUTPUT_PORT);
        kbc.write(DATA, 1, 0x03); // A20 on, reset released: nothing happens
        assertEquals(0, resets.get());
        kbc.write(COMMAND, 1, CMD_WRITE_OUTPUT_PORT);
        kbc.write(DATA, 1, 0x02);
        assertEquals(1, resets.get());
        kbc.write(DATA, 1, 0x00); // a plain data byte afterwards is not an output port write
        assertEquals(1, resets.get());
    }
}
