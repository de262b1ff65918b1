// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.vmm.testing.TestGuestImage;

/**
 * QEMU as the oracle for VMBus bring-up: the same Debian guest with hv_vmbus, under QEMU 7.2's
 * {@code -device vmbus-bridge} and under {@code jvmm run --vmbus}, with the same enlightenments.
 * Linux must bind hv_vmbus and connect under both; QEMU listens on message connection 1 only and
 * offers no devices, so Linux settles on 4.0 there, while jvmm takes its first choice, 5.3, and
 * offers the three integration services. Tagged {@code lab-boot}: it needs a KVM with Hyper-V.
 */
@Tag("lab-boot")
class VmbusOracleLabTest {
    static final String HV = "hv-relaxed,hv-vapic,hv-vpindex,hv-synic,hv-time,hv-runtime,hv-stimer,kvm=off";
    static final Duration LIMIT = Duration.ofMinutes(4);

    @TempDir
    Path dir;

    @Test
    void linuxBindsVmbusUnderBothVmmsAtTheVersionEachOffers() throws Exception {
        // Offers become devices in a work queue after the connection: wait up to 10 s for three.
        String show = "for i in $(seq 20); do [ $(ls /sys/bus/vmbus/devices | wc -l) -ge 3 ] && break; sleep 0.5; done;"
                + " dmesg | grep -E 'hv_vmbus: Vmbus version'; echo \"devices=$(ls /sys/bus/vmbus/devices | wc -l)\"";
        String cmdline = "console=ttyS0 panic=-1 pci=off quiet jvmm.modules=hv_vmbus jvmm.exit jvmm.run="
                + Base64.getEncoder().encodeToString(show.getBytes(StandardCharsets.UTF_8));
        Path kernel = TestGuestImage.kernel();
        Path initrd = TestGuestImage.initrd();
        List<String> qemu = new ArrayList<>(VmmBoot.qemu(kernel, initrd, cmdline, HV));
        qemu.addAll(List.of("-device", "vmbus-bridge"));
        VmmBoot.Result q = VmmBoot.start("qemu", qemu, dir).await(LIMIT);
        List<String> jvmm = new ArrayList<>(VmmBoot.jvmm(kernel, initrd, cmdline, HV, LIMIT));
        jvmm.add("--vmbus");
        VmmBoot.Result j = VmmBoot.start("jvmm", jvmm, dir).await(LIMIT);
        assertTrue(q.stdout().contains("hv_vmbus: Vmbus version:4.0"), q.transcript());
        assertTrue(q.stdout().contains("devices=0"), q.transcript());
        assertTrue(j.stdout().contains("hv_vmbus: Vmbus version:5.3"), j.transcript());
        assertTrue(j.stdout().contains("devices=3"), j.transcript());
        assertEquals(0, j.code(), j.transcript());
    }
}
