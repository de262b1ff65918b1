// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.cli.qmp.QmpClient;
import org.jvmm.cli.qmp.QmpError;
import org.jvmm.cli.qmp.QmpJson;
import org.jvmm.vmm.testing.TestGuestImage;

/**
 * {@code jvmm run --vmbus} with Debian's stock kernel and its own hv_vmbus and hv_utils modules:
 * Linux's log and sysfs are the oracle. The bus comes up at the version jvmm offers, the three
 * integration services bind and negotiate, the heartbeat advances, SIGTERM powers the guest off
 * through the shutdown service (exit 0), and time sync sets a clock the guest had set wrong.
 * Tagged {@code lab-boot}: it needs a KVM with Hyper-V that boots a stock kernel.
 */
@Tag("lab-boot")
class VmbusLabTest {
    private static final Duration BOOT = Duration.ofMinutes(4);
    static final String HV = "hv-relaxed,hv-vapic,hv-vpindex,hv-synic,hv-time,hv-runtime,hv-stimer,kvm=off";
    @TempDir
    Path dir;

    static final String CMDLINE = "console=ttyS0 panic=-1 pci=off quiet jvmm.modules=hv_vmbus,hv_utils";

    static String[] args(String cmdline, String... more) {
        List<String> a = new ArrayList<>(List.of("run", "--vmbus", "--hv", HV, "--cpus", "2", "--memory", "256M",
                "--kernel", TestGuestImage.kernel().toString(), "--initrd", TestGuestImage.initrd().toString(),
                "--cmdline", cmdline));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static String run(String shell) {
        return " jvmm.run=" + Base64.getEncoder().encodeToString(shell.getBytes(StandardCharsets.UTF_8)) + " jvmm.exit";
    }

    @Test
    void theBusComesUpAndTheIntegrationServicesBindAndBeat() throws Exception {
        JvmmProcess.Result r = JvmmProcess.run(BOOT, args(CMDLINE + run(
                "for i in $(seq 20); do [ $(ls /sys/bus/vmbus/devices | wc -l) -ge 3 ] && break; sleep 0.5; done;"
                + " dmesg | grep -E 'Vmbus version|IC version'; for d in /sys/bus/vmbus/devices/*; do"
                + " echo \"device $(cat $d/class_id) $(basename $(readlink $d/driver))\"; done; sleep 4"), "--stats"));
        String out = r.stdout();
        assertTrue(out.contains("hv_vmbus: Vmbus version:5.3"), out);
        for (String ic : List.of("Heartbeat", "Shutdown", "TimeSync")) {
            assertTrue(out.contains("hv_utils: " + ic + " IC version 3.0"), out);
        }
        for (String type : List.of("57164f39-9115-4e78-ab55-382f3bd5422d", "0e0b6031-5213-4934-818b-38d90ced39db",
                "9527e630-d0ae-497b-adce-e80ab0175caf")) {
            assertTrue(out.contains("device {" + type + "} hv_utils"), out);
        }
        assertEquals(0, r.code(), r.stderr());
        Matcher beats = Pattern.compile("vmbus +heartbeats +\\d+ +\\d+ +(\\d+)").matcher(r.stderr());
        assertTrue(beats.find(), r.stderr());
        assertTrue(Integer.parseInt(beats.group(1)) >= 3, "a heartbeat a second over 4 s of sleep:\n" + r.stderr());
        assertTrue(r.stderr().matches("(?s).*vmbus +version 5\\.3 .*"), r.stderr());
        // The channels' signals went through KVM_HYPERV_EVENTFD: eventfd wakes, no SignalEvent exit.
        Matcher wakes = Pattern.compile("SignalEvent eventfd wakes +\\d+ +\\d+ +(\\d+)").matcher(r.stderr());
        assertTrue(wakes.find() && Integer.parseInt(wakes.group(1)) >= 3, r.stderr());
        assertFalse(r.stderr().contains("SignalEvent: "), "no HvSignalEvent left the kernel:\n" + r.stderr());
    }

    /**
     * device_del takes the heartbeat, then the balloon, away: Linux's hv_vmbus removes each from
     * its bus on the rescind and releases the relid (DEVICE_DELETED), QMP's balloon then says
     * DeviceNotActive, and the guest runs on. Run with --no-hv-eventfd, so the channels' signals
     * take the KVM_EXIT_HYPERV path, counted as SignalEvent hypercalls.
     */
    @Test
    void aDeviceTakenAwayLeavesTheGuestsBusAndTheGuestRunsOn() throws Exception {
        Path sock = dir.resolve("qmp.sock");
        try (JvmmProcess p = JvmmProcess.start(args(CMDLINE.replace("hv_utils", "hv_utils,hv_balloon"), "--balloon",
                "--no-hv-eventfd", "--qmp", sock.toString(), "--stats"))) {
            p.awaitStdout("JVMM-GUEST-READY", BOOT);
            p.type("until [ $(ls /sys/bus/vmbus/devices | wc -l) -ge 4 ]; do sleep 0.5; done; sleep 3; echo four-up\n");
            p.awaitStdout("four-up\n", Duration.ofMinutes(1));
            try (QmpClient q = QmpClient.connect(sock, Duration.ofSeconds(30))) {
                q.execute("qmp_capabilities");
                q.execute("device_del", QmpJson.object().put("id", "heartbeat"));
                awaitDeleted(q, "heartbeat");
                BalloonLabTest.await("the balloon driver ready", Duration.ofSeconds(30), () -> {
                    try {
                        q.execute("balloon", QmpJson.object().put("value", 256L << 20));
                        return true;
                    } catch (QmpError e) {
                        return false;
                    }
                });
                q.execute("device_del", QmpJson.object().put("id", "dynamic-memory"));
                awaitDeleted(q, "dynamic-memory");
                QmpError noBalloon = assertThrows(QmpError.class, () -> q.execute("query-balloon"));
                assertEquals(QmpError.DEVICE_NOT_ACTIVE, noBalloon.errorClass());
                QmpError again = assertThrows(QmpError.class,
                        () -> q.execute("device_del", QmpJson.object().put("id", "heartbeat")));
                assertEquals(List.of(QmpError.DEVICE_NOT_FOUND, "Device 'heartbeat' not found"),
                        List.of(again.errorClass(), again.desc()));
                p.type("cat /sys/bus/vmbus/devices/*/class_id; echo listed; sleep 2; echo still-alive\n");
                p.awaitStdout("still-alive\n", Duration.ofMinutes(1));
                String listing = p.stdout().substring(p.stdout().lastIndexOf("four-up"));
                assertFalse(listing.contains("{57164f39-9115-4e78-ab55-382f3bd5422d}"), listing);
                assertFalse(listing.contains("{525074dc-8985-46e2-8057-a307dc18a502}"), listing);
                assertTrue(listing.contains("{0e0b6031-5213-4934-818b-38d90ced39db}"), "shutdown stays: " + listing);
                q.execute("quit");
            }
            assertEquals(0, p.waitFor(Duration.ofMinutes(1)), p.stderr());
            Matcher exits = Pattern.compile("SignalEvent: 0x0000 SUCCESS +\\d+ +\\d+ +(\\d+)").matcher(p.stderr());
            assertTrue(exits.find() && Integer.parseInt(exits.group(1)) >= 3, "signals on the exit path:\n" + p.stderr());
            assertFalse(Pattern.compile("SignalEvent eventfd wakes +\\d+ +\\d+ +[1-9]").matcher(p.stderr()).find(),
                    p.stderr());
        }
    }

    static void awaitDeleted(QmpClient q, String id) throws Exception {
        BalloonLabTest.await("DEVICE_DELETED for " + id, Duration.ofSeconds(60), () -> {
            q.execute("query-status"); // reads the events that came meanwhile
            return q.events().stream().anyMatch(e -> e.path("event").asText().equals("DEVICE_DELETED")
                    && e.path("data").path("device").asText().equals(id));
        });
    }

    @Test
    void sigtermPowersTheGuestOffThroughTheShutdownService() throws Exception {
        try (JvmmProcess p = JvmmProcess.start(args(CMDLINE))) {
            p.awaitStdout("JVMM-GUEST-READY", BOOT);
            // The shutdown service negotiates while hv_utils loads; the guest's log says when.
            p.type("until dmesg | grep -q 'Shutdown IC version'; do sleep 1; done; echo shutdown-ready\n");
            p.awaitStdout("shutdown-ready\n", Duration.ofMinutes(1));
            p.terminate();
            assertEquals(0, p.waitFor(Duration.ofMinutes(2)), p.stderr());
            assertTrue(p.stderr().contains("jvmm: SIGTERM: asked the guest to power off"), p.stderr());
            assertTrue(p.stderr().matches("(?s).*jvmm: the guest powered off \\d+\\.\\d s after SIGTERM.*"), p.stderr());
        }
    }

    @Test
    void timeSyncSetsAClockTheGuestSetWrong() throws Exception {
        long before = System.currentTimeMillis() / 1000;
        // Reloading hv_utils reopens the channels, and the host's SYNC message comes with the new one.
        JvmmProcess.Result r = JvmmProcess.run(BOOT, args(CMDLINE + run(
                "date -s @1000000000 >/dev/null; echo wrong=$(date +%s); rmmod hv_utils;"
                + " insmod /modules/hv_utils.ko; sleep 3; echo synced=$(date +%s)")));
        long after = System.currentTimeMillis() / 1000;
        Matcher wrong = Pattern.compile("wrong=(\\d+)").matcher(r.stdout());
        Matcher synced = Pattern.compile("synced=(\\d+)").matcher(r.stdout());
        assertTrue(wrong.find() && synced.find(), r.stdout());
        assertTrue(Long.parseLong(wrong.group(1)) < 1_000_000_100L, r.stdout());
        long t = Long.parseLong(synced.group(1));
        assertTrue(t >= before - 5 && t <= after + 5, "guest clock " + t + " not within [" + before + ", " + after + "]");
        assertEquals(0, r.code(), r.stderr());
    }
}
