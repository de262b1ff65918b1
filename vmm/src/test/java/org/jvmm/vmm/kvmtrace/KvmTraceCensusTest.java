// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvmtrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.vmm.spi.MsrFilterRange;

/**
 * The triggers and keys built from Linux 6.1's own format files (copied from the lab kernel's
 * /sys/kernel/tracing/events/kvm), and the one-line reasons where tracefs cannot be used. The
 * kernel's side itself runs in {@code TraceCensusLabTest}.
 */
class KvmTraceCensusTest {
    private static final String KVM_MSR = """
            name: kvm_msr
            ID: 1784
            format:
            	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
            	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
            	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
            	field:int common_pid;	offset:4;	size:4;	signed:1;

            	field:unsigned write;	offset:8;	size:4;	signed:0;
            	field:u32 ecx;	offset:12;	size:4;	signed:0;
            	field:u64 data;	offset:16;	size:8;	signed:0;
            	field:u8 exception;	offset:24;	size:1;	signed:0;
            """;
    private static final String HV_HYPERCALL = """
            	field:int common_pid;	offset:4;	size:4;	signed:1;
            	field:__u16 rep_cnt;	offset:8;	size:2;	signed:0;
            	field:__u16 rep_idx;	offset:10;	size:2;	signed:0;
            	field:__u64 ingpa;	offset:16;	size:8;	signed:0;
            	field:__u64 outgpa;	offset:24;	size:8;	signed:0;
            	field:__u16 code;	offset:32;	size:2;	signed:0;
            	field:__u16 var_cnt;	offset:34;	size:2;	signed:0;
            	field:bool fast;	offset:36;	size:1;	signed:0;
            """;
    private static final String HV_FLUSH = """
            	field:u64 processor_mask;	offset:8;	size:8;	signed:0;
            	field:u64 address_space;	offset:16;	size:8;	signed:0;
            	field:u64 flags;	offset:24;	size:8;	signed:0;
            """;

    private final KvmTraceCensus census = new KvmTraceCensus("kvm_hv_", Set.of(),
            List.of(new MsrFilterRange(0x40000070, 4, true, true), new MsrFilterRange(0x830, 1, true, true)));

    @Test
    void formatsGiveTheFieldsWithoutTheCommonHeader() {
        assertEquals(List.of("write", "ecx", "data", "exception"), EventFormat.parse("kvm_msr", KVM_MSR).fields());
    }

    @Test
    void kvmMsrIsKeyedByThreadIndexAndDirectionAndFilteredToTheRanges() {
        assertEquals("hist:keys=common_pid,ecx,write:size=4096 if (ecx >= 1073741936 && ecx <= 1073741939)"
                + " || (ecx >= 2096 && ecx <= 2096)", census.trigger(EventFormat.parse("kvm_msr", KVM_MSR)));
    }

    @Test
    void hyperVEventsAreKeyedByTheirFirstTwoClassifyingFields() {
        assertEquals("hist:keys=common_pid,code,fast:size=256",
                census.trigger(EventFormat.parse("kvm_hv_hypercall", HV_HYPERCALL)));
        assertEquals("hist:keys=common_pid:size=256", census.trigger(EventFormat.parse("kvm_hv_flush_tlb", HV_FLUSH)));
    }

    @Test
    void keysReadAsTheFilterCensusWritesThem() {
        assertEquals("0x40000070 wrmsr", KvmTraceCensus.key("kvm_msr", Map.of("common_pid", 1L, "ecx", 0x40000070L, "write", 1L)));
        assertEquals("0x40000071 rdmsr", KvmTraceCensus.key("kvm_msr", Map.of("common_pid", 1L, "ecx", 0x40000071L, "write", 0L)));
        Map<String, Long> hc = new LinkedHashMap<>();
        hc.put("common_pid", 5L);
        hc.put("code", 0x13L);
        hc.put("fast", 1L);
        assertEquals("code 0x13 fast 1", KvmTraceCensus.key("kvm_hv_hypercall", hc));
        assertEquals("events", KvmTraceCensus.key("kvm_hv_flush_tlb", Map.of("common_pid", 5L)));
    }

    @Test
    void threadIdIsThisThreadsOwn() throws IOException {
        long main = KvmTraceCensus.threadId();
        long[] other = new long[1];
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                other[0] = KvmTraceCensus.threadId();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertTrue(main > 0 && other[0] > 0 && main != other[0], main + " vs " + other[0]);
        assertTrue(Files.isDirectory(Path.of("/proc/" + ProcessHandle.current().pid() + "/task/" + other[0]))
                || other[0] > 0, "a task of this process");
    }

    @Test
    void noTracefsIsOneLineAndTheVmCarriesOn(@TempDir Path notTracefs) {
        KvmTraceCensus c = new KvmTraceCensus(notTracefs, "kvm_hv_", Set.of(), List.of());
        c.vmCreated(null);
        TraceStatus s = c.status();
        assertEquals(List.of(), s.events());
        assertEquals(notTracefs + " is not a mounted tracefs (mount -t tracefs tracefs " + notTracefs + ")",
                s.unavailable().orElseThrow());
        c.vcpuThreadStarted(null); // nothing to register with: no effect, no exception
        c.census((v, g, k, n) -> {
            throw new AssertionError("nothing to count");
        });
        c.close();
    }

    @Test
    void noRightToMakeAnInstanceIsOneLine(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("events"));
        Files.createDirectories(root.resolve("instances"));
        assertTrue(root.resolve("instances").toFile().setWritable(false));
        KvmTraceCensus c = new KvmTraceCensus(root, "kvm_hv_", Set.of(), List.of());
        c.vmCreated(null);
        String why = c.status().unavailable().orElseThrow();
        if ("root".equals(System.getProperty("user.name"))) {
            // root ignores the mode bits: the instance is made, but this is no tracefs, so no kvm events.
            assertEquals("the kernel has no kvm trace events in " + root, why);
        } else {
            assertTrue(why.endsWith("permission denied (tracefs needs root)"), why);
        }
        c.close();
        try (var left = Files.list(root.resolve("instances"))) {
            assertEquals(0, left.count(), "the instance is removed again");
        }
    }
}
