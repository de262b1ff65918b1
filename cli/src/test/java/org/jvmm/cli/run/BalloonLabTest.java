// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.cli.qmp.QmpClient;
import org.jvmm.cli.qmp.QmpJson;
import org.jvmm.vmm.testing.TestGuestImage;

/**
 * hv-balloon end to end: Debian's guest with its own hv_balloon under {@code jvmm run --vmbus
 * --balloon --qmp}, asked over QMP to shrink from 1 GiB to 512 MiB and to grow back. The guest's
 * own /proc/meminfo and jvmm's resident memory from /proc (not jvmm's counters) are the oracles:
 * the guest must lose at least 450 MiB of MemTotal, jvmm must give at least 90% of the ballooned
 * memory back to the host, and the guest must get it all back. The limits are generous because the
 * emulated lab is slow and shared; scripts/bench-balloon measures the times. Tagged {@code lab-boot}.
 *
 * <p>Hot-add: a 512 MiB guest that may grow to 1 GiB is asked for 1 GiB; Linux's own counts
 * (MemTotal and the memory blocks online in sysfs) must grow by 512 MiB and four 128 MiB blocks,
 * and the balloon must then take it back down.
 */
@Tag("lab-boot")
class BalloonLabTest {
    static final long MIB = 1 << 20;
    static final Pattern MEM_TOTAL = Pattern.compile("MemTotal: +(\\d+) kB");
    static final Pattern ONLINE_BLOCKS = Pattern.compile("online-blocks (\\d+)");

    @TempDir
    Path dir;

    static long rssKib(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new AssertionError("no VmRSS for " + pid);
    }

    /** The guest's latest MemTotal line, in KiB. */
    static long memTotal(JvmmProcess p) {
        return last(MEM_TOTAL, p);
    }

    /** The last number {@code pattern} found in the guest's output, or -1. */
    static long last(Pattern pattern, JvmmProcess p) {
        Matcher m = pattern.matcher(p.stdout());
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    static void await(String what, Duration limit, java.util.function.BooleanSupplier done) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void theGuestShrinksAndGrowsAndTheHostGetsTheMemoryBack() throws Exception {
        // The guest fills 800 MiB of a tmpfs and frees it (the host keeps those pages), then
        // reports its MemTotal every half second.
        String guest = "mount -t tmpfs -o size=900m t /mnt && dd if=/dev/zero of=/mnt/f bs=1M count=800 2>/dev/null"
                + " && rm /mnt/f && echo touched; while :; do grep MemTotal /proc/meminfo; sleep 0.5; done";
        Path sock = dir.resolve("qmp.sock");
        try (JvmmProcess p = JvmmProcess.start("run", "--vmbus", "--balloon", "--qmp", sock.toString(),
                "--hv", VmbusLabTest.HV, "--memory", "1G", "--cpus", "1",
                "--kernel", TestGuestImage.kernel().toString(), "--initrd", TestGuestImage.initrd().toString(),
                "--cmdline", "console=ttyS0 panic=-1 pci=off quiet jvmm.modules=hv_vmbus,hv_utils,hv_balloon jvmm.run="
                        + Base64.getEncoder().encodeToString(guest.getBytes(StandardCharsets.UTF_8)))) {
            p.awaitStdout("touched", Duration.ofMinutes(4));
            await("a whole MemTotal line", Duration.ofSeconds(30), () -> memTotal(p) > 0);
            long pid = p.pid();
            long totalBefore = memTotal(p);
            long rssBefore = rssKib(pid);
            try (QmpClient q = QmpClient.connect(sock, Duration.ofSeconds(30))) {
                q.execute("qmp_capabilities");
                await("the balloon driver ready", Duration.ofSeconds(30), () -> {
                    try {
                        q.execute("balloon", QmpJson.object().put("value", 512 * MIB));
                        return true;
                    } catch (org.jvmm.cli.qmp.QmpError e) {
                        return false; // the guest's driver has not finished negotiating yet
                    }
                });
                long asked = System.nanoTime();
                await("the guest at 512 MiB", Duration.ofSeconds(60),
                        () -> q.execute("query-balloon").path("actual").asLong() == 512 * MIB);
                try {
                    await("the guest's MemTotal 450 MiB lower", Duration.ofSeconds(60),
                            () -> memTotal(p) <= totalBefore - 450 * 1024);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + ": MemTotal " + totalBefore + " kB before, " + memTotal(p)
                            + " kB now; query-balloon " + q.execute("query-balloon") + "\n" + p.stderr(), e);
                }
                double seconds = (System.nanoTime() - asked) / 1e9;
                Thread.sleep(500);
                long rssAfter = rssKib(pid);
                long returnedKib = rssBefore - rssAfter;
                assertTrue(returnedKib >= 0.9 * 512 * 1024, "jvmm's RSS fell by " + (returnedKib >> 10)
                        + " MiB for 512 MiB ballooned (" + (rssBefore >> 10) + " -> " + (rssAfter >> 10) + " MiB)");
                System.out.printf("balloon to 512 MiB: %.1f s; jvmm RSS %d -> %d MiB%n", seconds, rssBefore >> 10,
                        rssAfter >> 10);
                q.execute("balloon", QmpJson.object().put("value", 1024 * MIB));
                await("the guest back at 1 GiB", Duration.ofSeconds(60),
                        () -> q.execute("query-balloon").path("actual").asLong() == 1024 * MIB);
                await("the guest's MemTotal back", Duration.ofSeconds(60), () -> memTotal(p) >= totalBefore);
                assertTrue(q.events().stream().anyMatch(e -> e.path("event").asText().equals("BALLOON_CHANGE")),
                        "BALLOON_CHANGE events: " + q.events());
                q.execute("quit");
            }
            assertEquals(0, p.waitFor(Duration.ofMinutes(1)), p.stderr());
        }
    }

    @Test
    void aGuestBelowItsMaximumIsHotAddedMemoryThatLinuxOnlinesAndCanBalloonBack() throws Exception {
        // Every half second: MemTotal, the memory blocks online, and new kernel lines (hv_balloon's
        // own words if something goes wrong).
        String guest = "n=$(dmesg | wc -l); echo ready; while :; do grep MemTotal /proc/meminfo;"
                + " echo online-blocks $(cat /sys/devices/system/memory/memory*/state | grep -c online);"
                + " m=$(dmesg | wc -l); if [ $m -gt $n ]; then dmesg | tail -n $((m - n)) | while read l;"
                + " do echo \"dmesg: $l\"; done; n=$m; fi; sleep 0.5; done";
        Path sock = dir.resolve("qmp.sock");
        try (JvmmProcess p = JvmmProcess.start("run", "--vmbus", "--balloon", "--qmp", sock.toString(),
                "--hv", VmbusLabTest.HV, "--memory", "512M", "--max-memory", "1G", "--cpus", "1",
                "--kernel", TestGuestImage.kernel().toString(), "--initrd", TestGuestImage.initrd().toString(),
                "--cmdline", "console=ttyS0 panic=-1 pci=off quiet memhp_default_state=online"
                        + " jvmm.modules=hv_vmbus,hv_utils,hv_balloon jvmm.run="
                        + Base64.getEncoder().encodeToString(guest.getBytes(StandardCharsets.UTF_8)))) {
            p.awaitStdout("ready", Duration.ofMinutes(4));
            await("the guest's counts", Duration.ofSeconds(30), () -> last(ONLINE_BLOCKS, p) > 0 && memTotal(p) > 0);
            long totalBefore = memTotal(p);
            long blocksBefore = last(ONLINE_BLOCKS, p);
            try (QmpClient q = QmpClient.connect(sock, Duration.ofSeconds(30))) {
                q.execute("qmp_capabilities");
                assertEquals(512 * MIB, q.execute("query-balloon").path("actual").asLong());
                await("the balloon driver ready", Duration.ofSeconds(30), () -> {
                    try {
                        q.execute("balloon", QmpJson.object().put("value", 1024 * MIB));
                        return true;
                    } catch (org.jvmm.cli.qmp.QmpError e) {
                        return false;
                    }
                });
                long asked = System.nanoTime();
                String why = "";
                try {
                    why = "query-balloon at 1 GiB";
                    await(why, Duration.ofSeconds(60),
                            () -> q.execute("query-balloon").path("actual").asLong() == 1024 * MIB);
                    why = "MemTotal 500 MiB higher";
                    await(why, Duration.ofSeconds(30), () -> memTotal(p) >= totalBefore + 500 * 1024);
                    why = "four more blocks online";
                    await(why, Duration.ofSeconds(30), () -> last(ONLINE_BLOCKS, p) == blocksBefore + 4);
                } catch (AssertionError e) {
                    throw new AssertionError(why + ": MemTotal " + totalBefore + " kB before, " + memTotal(p)
                            + " kB now; blocks " + blocksBefore + " -> " + last(ONLINE_BLOCKS, p) + "; "
                            + q.execute("query-balloon") + "\n" + dmesg(p) + "\n" + p.stderr(), e);
                }
                double grown = (System.nanoTime() - asked) / 1e9;
                assertTrue(memTotal(p) <= totalBefore + 512 * 1024, "MemTotal grew by more than was added: "
                        + totalBefore + " -> " + memTotal(p) + " kB");
                System.out.printf("hot-add 512 -> 1024 MiB: MemTotal %d -> %d kB, blocks online %d -> %d, %.1f s%n",
                        totalBefore, memTotal(p), blocksBefore, last(ONLINE_BLOCKS, p), grown);
                q.execute("balloon", QmpJson.object().put("value", 512 * MIB));
                long down = System.nanoTime();
                await("the guest back at 512 MiB", Duration.ofSeconds(60),
                        () -> q.execute("query-balloon").path("actual").asLong() == 512 * MIB);
                await("MemTotal back down", Duration.ofSeconds(30), () -> memTotal(p) <= totalBefore + 20 * 1024);
                // The events so far (hot-add, targets, balloon responses) and the guest kernel's lines
                // since boot (hv_balloon speaks when it keeps a floor): for reading a slow run.
                int changes = q.events().size();
                System.out.printf("balloon 1024 -> 512 MiB after hot-add: %.1f s, %d events; the guest's kernel:%n%s",
                        (System.nanoTime() - down) / 1e9, changes,
                        dmesg(p).lines().map(l -> "  " + l + "\n").reduce("", String::concat));
                q.execute("quit");
            }
            assertEquals(0, p.waitFor(Duration.ofMinutes(1)), p.stderr());
        }
    }

    static String dmesg(JvmmProcess p) {
        return p.stdout().lines().filter(l -> l.startsWith("dmesg: ")).reduce("", (a, b) -> a + b + "\n");
    }
}
