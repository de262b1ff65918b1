// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.devices;

import static org.jvmm.vmm.devices.I8042.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class I8042Test {
    private final AtomicInteger resets = new AtomicInteger();
    private final RecordingIrq kbdIrq = new RecordingIrq();
    private final RecordingIrq auxIrq = new RecordingIrq();
    private final I8042 kbc = new I8042(resets::incrementAndGet, kbdIrq, auxIrq);

    private int status() {
        return (int) kbc.read(COMMAND, 1);
    }

    @Test
    void idleStatusHasEmptyBuffersPostDoneAndNoKeylock() {
        assertEquals(STATUS_SYSTEM | STATUS_UNLOCKED, status());
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
        assertEquals(STATUS_OUTPUT_FULL | STATUS_SYSTEM | STATUS_UNLOCKED | STATUS_COMMAND, status());
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

    @Test
    void auxLoopbackEchoesTheByteAsAuxData() {
        // i8042_check_aux: command 0xD3, parameter 0x5A, the answer must carry status bit 5
        kbc.write(COMMAND, 1, CMD_WRITE_AUX_OUTPUT);
        assertEquals(0, status() & STATUS_OUTPUT_FULL);
        kbc.write(DATA, 1, 0x5a);
        assertEquals(STATUS_OUTPUT_FULL | STATUS_AUX_DATA, status() & (STATUS_OUTPUT_FULL | STATUS_AUX_DATA));
        assertEquals(0x5a, kbc.read(DATA, 1));
        assertEquals(0, status() & (STATUS_OUTPUT_FULL | STATUS_AUX_DATA));
        kbc.write(DATA, 1, 0x77); // the loop takes one byte only
        assertEquals(0, status() & STATUS_OUTPUT_FULL);
    }

    @Test
    void keyboardLoopbackEchoesTheByteAsKeyboardData() {
        kbc.write(COMMAND, 1, CMD_WRITE_KBD_OUTPUT);
        kbc.write(DATA, 1, 0xa5);
        assertEquals(STATUS_OUTPUT_FULL, status() & (STATUS_OUTPUT_FULL | STATUS_AUX_DATA));
        assertEquals(0xa5, kbc.read(DATA, 1));
    }

    @Test
    void auxInterruptFollowsTheOutputBufferWhenEnabled() {
        kbc.write(COMMAND, 1, CMD_WRITE_CTR);
        kbc.write(DATA, 1, CTR_SYSTEM); // both interrupts off
        kbc.write(COMMAND, 1, CMD_WRITE_AUX_OUTPUT);
        kbc.write(DATA, 1, 0x5a);
        assertTrue(auxIrq.levels.isEmpty(), "AUX interrupt disabled in the command byte");
        kbc.read(DATA, 1);

        kbc.write(COMMAND, 1, CMD_WRITE_CTR);
        kbc.write(DATA, 1, CTR_SYSTEM | CTR_AUX_INT); // i8042_enable_aux_port
        kbc.write(COMMAND, 1, CMD_WRITE_AUX_OUTPUT);
        kbc.write(DATA, 1, 0xa5);
        assertTrue(auxIrq.level(), "IRQ 12 raised while AUX data waits");
        assertTrue(kbdIrq.levels.isEmpty(), "AUX data does not raise IRQ 1");
        assertEquals(0xa5, kbc.read(DATA, 1));
        assertFalse(auxIrq.level(), "reading the data lowers IRQ 12");
        assertEquals(java.util.List.of(true, false), auxIrq.levels);
    }

    @Test
    void keyboardInterruptFollowsControllerAnswersWhenEnabled() {
        kbc.write(COMMAND, 1, CMD_SELF_TEST); // the default command byte enables IRQ 1
        assertTrue(kbdIrq.level());
        kbc.read(DATA, 1);
        assertFalse(kbdIrq.level());
        kbc.write(COMMAND, 1, CMD_WRITE_CTR);
        kbc.write(DATA, 1, CTR_SYSTEM);
        kbdIrq.levels.clear();
        kbc.write(COMMAND, 1, CMD_SELF_TEST);
        assertTrue(kbdIrq.levels.isEmpty());
        assertFalse(auxIrq.level());
    }
}
