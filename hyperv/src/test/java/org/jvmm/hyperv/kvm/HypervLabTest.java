// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jvmm.hyperv.HostHvSupport;
import org.jvmm.hyperv.HvConfig;
import org.jvmm.hyperv.HvFeature;
import org.jvmm.hyperv.synic.HvStatus;
import org.jvmm.hyperv.synic.PostedMessage;
import org.jvmm.hyperv.synic.Synic;
import org.jvmm.hyperv.testing.HvGuests;
import org.jvmm.vmm.bus.BusDevice;
import org.jvmm.vmm.cpu.VmExitStatus;
import org.jvmm.vmm.cpu.VmExitStatus.Reason;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.machine.Machine;
import org.jvmm.vmm.machine.MachineBuilder;

/**
 * Hyper-V in running guests, on a KVM with Hyper-V (the lab: {@code scripts/hvlab}). Each test
 * boots a tiny long-mode guest from {@code src/test/hvguests} with Hyper-V leaves that come from
 * {@link HypervExtension}, and checks what the guest observed through KVM.
 */
@Tag("lab")
// A stuck guest or VMM must show up as a failing test, not as a lab run killed by its timeout.
// Generous because the first machine in a JVM under the lab's emulation can take a minute.
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HypervLabTest {
    static HostHvFacts facts;

    @BeforeAll
    static void probe() {
        try (Kvm kvm = Kvm.open()) {
            facts = HostHvProbe.probeFacts(kvm);
        }
    }

    /** Records port writes with the name of the vCPU thread that made them. */
    static final class Port implements BusDevice {
        final List<String> threads = new ArrayList<>();
        final List<Long> values = new ArrayList<>();
        Runnable onWrite = () -> {};

        @Override
        public synchronized long read(long offset, int size) {
            return 0;
        }

        @Override
        public synchronized void write(long offset, int size, long value) {
            threads.add(Thread.currentThread().getName());
            values.add(value);
            onWrite.run();
        }

        synchronized List<Long> values() {
            return List.copyOf(values);
        }
    }

    static HypervExtension extension(HvConfig config) {
        try (Kvm kvm = Kvm.open()) {
            return HypervExtension.create(config, kvm);
        }
    }

    static HvConfig features(HvFeature... f) {
        return HvConfig.builder().features(f).build();
    }

    static VmExitStatus run(Machine m) {
        m.start();
        return m.awaitExit(Duration.ofSeconds(120)).orElseThrow(() -> new AssertionError("guest did not finish in 120 s"));
    }

    @Test
    void probeSeesTheLabsHyperv() {
        assertEquals(1, facts.cap("KVM_CAP_HYPERV"), facts.describe());
        assertEquals(1, facts.cap("KVM_CAP_HYPERV_SYNIC2"));
        assertEquals(1, facts.cap("KVM_CAP_HYPERV_CPUID"));
        assertEquals(1, facts.cap("KVM_CAP_HYPERV_ENFORCE_CPUID"));
        assertEquals(HostHvFacts.HvCpuidForm.SYSTEM, facts.hvCpuidForm(), "KVM_CAP_SYS_HYPERV_CPUID is 1 in the lab");
        HostHvSupport s = facts.support();
        assertEquals(HostHvSupport.Source.HV_CPUID, s.source());
        for (HvFeature f : List.of(HvFeature.RELAXED, HvFeature.VAPIC, HvFeature.VPINDEX, HvFeature.SYNIC,
                HvFeature.STIMER, HvFeature.TIME)) {
            assertTrue(s.supports(f), f + " in " + facts.describe());
        }
        assertTrue(facts.hvCpuid().stream().anyMatch(l -> l.function() == 0x40000001 && l.eax() == 0x31237648),
                "raw leaves include Hv#1");
        assertTrue(facts.listsMsr(0x40000002), "KVM lists VP_INDEX");
    }

    @Test
    void probeThroughAThrowawayVcpuAgrees() {
        HostHvFacts viaVcpu;
        try (Kvm kvm = Kvm.open()) {
            viaVcpu = HostHvProbe.probeFacts(kvm, false);
        }
        assertEquals(HostHvFacts.HvCpuidForm.VCPU, viaVcpu.hvCpuidForm());
        assertEquals(facts.hvCpuid().size(), viaVcpu.hvCpuid().size(), viaVcpu.describe());
        for (HvFeature f : HvFeature.values()) {
            if (f != HvFeature.EVMCS) {
                // (The vCPU form hides eVMCS until it is enabled; the lab is AMD, so it is absent anyway.)
                assertEquals(facts.support().supports(f), viaVcpu.support().supports(f), f.toString());
            }
        }
    }

    @Test
    void eachVcpuReadsItsOwnVpIndex() {
        Port port = new Port();
        HypervExtension ext = extension(features(HvFeature.RELAXED, HvFeature.VPINDEX));
        try (Machine m = HvGuests.loadLongMode(Machine.builder().memorySize(1 << 20).irqchip(false).vcpus(2)
                .extension(ext), "hv_vpindex")) {
            m.pio().register(0x30, 1, port, "vp_index");
            m.pio().register(0x3f, 1, new Port(), "gp");
            assertEquals(Reason.HALTED, run(m).reason());
        }
        Map<String, Long> byVcpu = new TreeMap<>();
        for (int i = 0; i < port.values.size(); i++) {
            byVcpu.put(port.threads.get(i), port.values.get(i));
        }
        assertEquals(Map.of("vcpu-0", 0L, "vcpu-1", 1L), byVcpu);
    }

    @Test
    void passthroughPlusSyndbgSetsUpEveryEnlightenmentKvmOffers() throws InterruptedException {
        // Every reset-time MSR write (VP_ASSIST_PAGE, reenlightenment, crash, runtime, SynIC,
        // stimers, SYNDBG_OPTIONS) must be accepted by KVM, and the guest must still run.
        HypervExtension ext = extension(HvConfig.builder().passthrough(true).feature(HvFeature.SYNDBG, true).build());
        assertTrue(ext.effective().features().size() >= 12, ext.effective().features().toString());
        Port port = new Port();
        Port gp = new Port();
        try (Machine m = HvGuests.loadLongMode(Machine.builder().memorySize(1 << 20).irqchip(true).extension(ext),
                "hv_vpindex")) {
            m.pio().register(0x30, 1, port, "vp_index");
            m.pio().register(0x3f, 1, gp, "gp");
            m.start();
            // With the irqchip in the kernel HLT does not exit: wait for the report, then stop.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (port.values().isEmpty() && gp.values().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            m.stop();
        }
        assertEquals(List.of(0L), port.values());
        assertEquals(List.of(), gp.values());
    }

    @Test
    void timeRefCountAdvances() {
        Port port = new Port();
        try (Machine m = HvGuests.loadLongMode(Machine.builder().memorySize(1 << 20).irqchip(false)
                .extension(extension(features(HvFeature.TIME))), "hv_timeref")) {
            m.pio().register(0x31, 1, port, "timeref");
            Port gp = new Port();
            m.pio().register(0x3f, 1, gp, "gp");
            assertEquals(Reason.HALTED, run(m).reason());
            assertEquals(List.of(), gp.values(), "no #GP");
        }
        List<Long> v = port.values();
        assertEquals(4, v.size());
        long first = v.get(0) | v.get(1) << 32;
        long second = v.get(2) | v.get(3) << 32;
        assertTrue(first > 0 && second > first, "TIME_REF_COUNT " + first + " then " + second);
    }

    /** Runs hv_vpindex with enforce-cpuid: what ports 0x30 (VP_INDEX) and 0x3f (#GP) saw. */
    static List<List<Long>> enforced(HvFeature... f) {
        Port value = new Port();
        Port gp = new Port();
        try (Machine m = HvGuests.loadLongMode(Machine.builder().memorySize(1 << 20).irqchip(false)
                .extension(extension(features(f).toBuilder().enforceCpuid(true).build())), "hv_vpindex")) {
            m.pio().register(0x30, 1, value, "vp_index");
            m.pio().register(0x3f, 1, gp, "gp");
            assertEquals(Reason.HALTED, run(m).reason());
        }
        return List.of(value.values(), gp.values());
    }

    @Test
    void enforceCpuidGatesVpIndex() {
        assertEquals(List.of(List.of(), List.of(13L)), enforced(HvFeature.RELAXED), "without hv-vpindex: #GP");
        assertEquals(List.of(List.of(0L), List.of()), enforced(HvFeature.RELAXED, HvFeature.VPINDEX));
    }

    @Test
    void hypercallsReachJavaHandlers() {
        HypervExtension ext = extension(features(HvFeature.RELAXED, HvFeature.VPINDEX, HvFeature.SYNIC));
        List<PostedMessage> messages = new ArrayList<>();
        List<Integer> events = new ArrayList<>();
        ext.connections().addMessageHandler(5, msg -> {
            synchronized (messages) {
                messages.add(msg);
            }
            return HvStatus.INSUFFICIENT_BUFFERS; // distinctive: the guest must see exactly this
        });
        ext.connections().addEventHandler(7, id -> {
            synchronized (events) {
                events.add(id);
            }
        });
        Port results = new Port();
        Port gp = new Port();
        try (Machine m = HvGuests.loadLongMode(Machine.builder().memorySize(2 << 20).irqchip(true)
                .extension(ext), "hv_hcall")) {
            m.pio().register(0x33, 1, results, "status");
            m.pio().register(0x34, 1, new Port(), "done");
            m.pio().register(0x3f, 1, gp, "gp");
            assertEquals(Reason.SHUTDOWN, run(m).reason());
        }
        assertEquals(List.of(), gp.values(), "no #GP");
        // The last two: an input wholly outside RAM reads as zeros (connection 0, unregistered), one
        // half in RAM is refused, as QEMU 7.2 answers both (scripts/bench-hypercalls compares).
        assertEquals(List.of((long) HvStatus.INSUFFICIENT_BUFFERS, (long) HvStatus.INVALID_CONNECTION_ID,
                (long) HvStatus.SUCCESS, (long) HvStatus.INVALID_CONNECTION_ID,
                (long) HvStatus.INVALID_CONNECTION_ID, (long) HvStatus.INSUFFICIENT_MEMORY), results.values());
        assertEquals(1, messages.size());
        PostedMessage msg = messages.get(0);
        assertEquals(5, msg.connectionId());
        assertEquals(0x4a, msg.messageType());
        assertEquals("jvmm-hyperv!", new String(msg.payload(), StandardCharsets.US_ASCII));
        assertEquals(0, msg.vpIndex());
        assertEquals(List.of(7), events);
    }

    /**
     * The same guest with connection 7 bound to an eventfd (KVM_HYPERV_EVENTFD): its
     * HvSignalEvent still returns SUCCESS, but KVM completes it, so the userspace handler sees
     * nothing and the census counts no SignalEvent exit; the eventfd wakes the hv-signal thread.
     * The unknown connection still exits and gets INVALID_CONNECTION_ID from jvmm.
     */
    @Test
    void signalEventOnABoundConnectionStaysInTheKernel() throws Exception {
        HypervExtension ext = extension(features(HvFeature.RELAXED, HvFeature.VPINDEX, HvFeature.SYNIC));
        ext.connections().addMessageHandler(5, msg -> HvStatus.INSUFFICIENT_BUFFERS);
        List<Integer> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        ext.connections().addEventHandler(7, events::add);
        java.util.concurrent.CountDownLatch woken = new java.util.concurrent.CountDownLatch(1);
        Port results = new Port();
        Map<String, Long> census = new TreeMap<>();
        try (Machine m = HvGuests.loadLongMode(Machine.builder().memorySize(2 << 20).irqchip(true)
                .extension(ext), "hv_hcall")) {
            m.pio().register(0x33, 1, results, "status");
            m.pio().register(0x34, 1, new Port(), "done");
            m.pio().register(0x3f, 1, new Port(), "gp");
            KvmSignalEventfds fds = ext.signalEventfds().orElseThrow(() -> new AssertionError(
                    "the lab's KVM has KVM_CAP_HYPERV_EVENTFD: " + facts.cap("KVM_CAP_HYPERV_EVENTFD")));
            KvmSignalEventfds.Binding b = fds.bind(7, woken::countDown);
            assertEquals(Reason.SHUTDOWN, run(m).reason());
            assertTrue(woken.await(10, java.util.concurrent.TimeUnit.SECONDS), "the eventfd woke the hv-signal thread");
            assertEquals(1, fds.wakes());
            ext.census((vcpu, group, key, n) -> census.merge(group + " " + key, n, Long::sum));
            b.close();
            assertEquals(0, fds.bound(), "the binding is given back");
        }
        // The guest's last two calls (inputs outside RAM) behave as in hypercallsReachJavaHandlers.
        assertEquals(List.of((long) HvStatus.INSUFFICIENT_BUFFERS, (long) HvStatus.INVALID_CONNECTION_ID,
                (long) HvStatus.SUCCESS, (long) HvStatus.INVALID_CONNECTION_ID,
                (long) HvStatus.INVALID_CONNECTION_ID, (long) HvStatus.INSUFFICIENT_MEMORY), results.values());
        assertEquals(List.of(), events, "the userspace handler saw nothing");
        assertTrue(census.keySet().stream().noneMatch(k -> k.contains("SignalEvent: 0x0000")), census.toString());
        assertTrue(census.keySet().stream().anyMatch(k -> k.contains("SignalEvent: ")), "the unknown id exited: " + census);
    }

    @Test
    void synicPagesAndAMessageFromJava() {
        HypervExtension ext = extension(features(HvFeature.VPINDEX, HvFeature.SYNIC));
        Port seen = new Port();
        Port post = new Port();
        List<Long> pageAtPost = new ArrayList<>();
        List<Synic.PostResult> posted = new ArrayList<>();
        try (Machine m = HvGuests.loadLongMode(Machine.builder().memorySize(1 << 20).irqchip(true)
                .extension(ext), "hv_synic")) {
            m.memory().fill(0x32000, 0x2000, (byte) 0xAA);
            post.onWrite = () -> {
                Synic s = ext.synic(0);
                pageAtPost.add(s.messagePageGpa());
                pageAtPost.add(s.eventPageGpa());
                byte[] message = new byte[256];
                ByteBuffer b = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(0, 0x4a);
                message[4] = 4;
                b.putInt(16, 0x11223344);
                posted.add(s.postMessage(2, message, () -> {}));
            };
            m.pio().register(0x35, 1, seen, "seen");
            m.pio().register(0x36, 1, post, "post");
            m.pio().register(0x3f, 1, new Port(), "gp");
            assertEquals(Reason.SHUTDOWN, run(m).reason());
        }
        assertEquals(List.of(0x32000L, 0x33000L), pageAtPost, "SYNIC exits applied before the guest went on");
        assertEquals(List.of(Synic.PostResult.POSTED), posted);
        assertEquals(List.of(0L, 0L, 0x4aL, 0x11223344L), seen.values(),
                "zeroed pages over 0xAA RAM, then the posted message in slot 2");
    }

    @Test
    void testDeviceDeliversThroughSintRoutesWithTheEomHandshake() {
        HypervExtension ext = extension(features(HvFeature.RELAXED, HvFeature.VPINDEX, HvFeature.SYNIC));
        Port status = new Port();
        Port seen = new Port();
        Port messages = new Port();
        Port gp = new Port();
        try (Machine m = HvGuests.loadLongMode(Machine.builder().memorySize(2 << 20).irqchip(true)
                .extension(ext), "hv_testdev")) {
            m.pio().register(HvTestDevice.PORT, 4, new HvTestDevice(ext), "hv-testdev");
            m.pio().register(0x33, 1, status, "status");
            m.pio().register(0x34, 1, new Port(), "done");
            m.pio().register(0x35, 1, seen, "seen");
            m.pio().register(0x37, 1, messages, "messages");
            m.pio().register(0x3f, 1, gp, "gp");
            assertEquals(Reason.SHUTDOWN, run(m).reason(), "status " + status.values() + " seen " + seen.values()
                    + " messages " + messages.values());
        }
        assertEquals(List.of(), gp.values(), "no #GP");
        assertEquals(List.of(0L, 0L, 0L), status.values(), "SignalEvent, PostMessage, PostMessage");
        assertEquals(List.of(1L << 10, 1L), seen.values(), "event flag 10 set; msg_pending on the busy slot");
        assertEquals(List.of(0x41L, 0x11111111L, 0x42L, 0x22222222L), messages.values(),
                "both echoes arrive by interrupt, the second after the guest's EOM");
    }
}
