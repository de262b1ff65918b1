// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jvmm.vmm.kvm.CpuidEntry;
import org.junit.jupiter.api.Test;

/** The pure parts of the Linux machine: CPUID topology, the console watch, reboot= parsing. */
class LinuxPiecesTest {
    private static LinuxVmConfig cmdline(String c) {
        return LinuxVmConfig.of(Path.of("k"), Optional.empty(), 64L << 20, 1).withCmdline(c);
    }

    @Test
    void rebootEqualsTMeansTripleFaultReboots() {
        assertTrue(cmdline("console=ttyS0 reboot=t").rebootsByTripleFault());
        assertTrue(cmdline("reboot=w,t panic=-1").rebootsByTripleFault());
        assertTrue(cmdline("reboot=triple").rebootsByTripleFault());
        assertFalse(cmdline(LinuxVmConfig.DEFAULT_CMDLINE).rebootsByTripleFault());
        assertFalse(cmdline("reboot=t,k").rebootsByTripleFault(), "the last type wins");
        assertFalse(cmdline("console=ttyS0").rebootsByTripleFault());
    }

    @Test
    void cpuidTopologyDescribesOnePackageOfNCores() {
        List<CpuidEntry> t = new ArrayList<>(List.of(
                new CpuidEntry(1, 0, 0, 0x906ea, 0x0100_0800, 0x7ffa_3203, 0x1f8b_fbff),
                new CpuidEntry(4, 0, 1, 0x1c00_4121, 0, 0, 0), // L1d, host says 8 cores
                new CpuidEntry(4, 3, 1, 0x1c03_c163, 0, 0, 0), // L3
                new CpuidEntry(4, 4, 1, 0, 0, 0, 0),
                new CpuidEntry(0xb, 0, 1, 1, 2, 0x100, 7),
                new CpuidEntry(0xb, 1, 1, 4, 16, 0x201, 7),
                new CpuidEntry(0xb, 2, 1, 0, 0, 2, 7),
                new CpuidEntry(0x8000_0008, 0, 0, 0x3030, 0, 0x0f, 0)));
        new LinuxCpuid(3).contributeCpuid(2, t);
        assertTrue(t.get(0).ecx() < 0, "hypervisor bit");
        assertEquals(2, t.get(1).eax() >>> 26, "cores per package - 1");
        assertEquals(0, (t.get(1).eax() >>> 14) & 0xfff, "L1 is per core");
        assertEquals(2, (t.get(2).eax() >>> 14) & 0xfff, "L3 shared by all 3");
        assertEquals(0x163, t.get(2).eax() & 0x3fff, "cache type and level kept");
        assertEquals(0, t.get(3).eax(), "the terminating sub-leaf stays empty");
        assertEquals(List.of(0, 1, 0x100, 2), regs(t.get(4)));
        assertEquals(List.of(2, 3, 0x201, 2), regs(t.get(5)));
        assertEquals(List.of(0, 0, 2, 2), regs(t.get(6)));
        assertEquals(2, t.get(7).ecx() & 0xff);
    }

    private static List<Integer> regs(CpuidEntry e) {
        return List.of(e.eax(), e.ebx(), e.ecx(), e.edx());
    }

    @Test
    void consoleWatchPassesEverythingThroughAndNoticesTheKernelsLastWords() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> poweroff = new ArrayList<>();
        ConsoleWatch w = new ConsoleWatch(out, poweroff::add);
        String text = "[    1.0] reboot: Restarting system\r\n";
        for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
            w.write(b);
        }
        assertEquals(text, out.toString(StandardCharsets.US_ASCII));
        assertTrue(w.restartRequested());
        assertFalse(w.panicked());
        for (byte b : "x".repeat(10_000).getBytes()) {
            w.write(b); // an endless line is cut, not buffered
        }
        for (byte b : "\n[ 2.0] reboot: Power down\n".getBytes()) {
            w.write(b);
        }
        assertEquals(List.of("[ 2.0] reboot: Power down"), poweroff);
        for (byte b : "Kernel panic - not syncing: Attempted to kill init!\n".getBytes()) {
            w.write(b);
        }
        assertTrue(w.panicked());
    }
}
