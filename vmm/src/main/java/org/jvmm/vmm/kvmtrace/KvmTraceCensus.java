// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvmtrace;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.spi.CensusSink;
import org.jvmm.vmm.spi.MsrFilterRange;
import org.jvmm.vmm.spi.VmExtension;

/**
 * Counts KVM's trace points for this VM's vCPU threads, per vCPU, without a single extra exit:
 * a hist trigger on each chosen event of the {@code kvm} system, in a tracefs instance of our own
 * ({@link TraceInstance}), keyed by {@code common_pid} (the thread id) and by up to two fields
 * that classify the event (a hypercall's code, an MSR's index), so the kernel itself keeps the
 * table and nothing is copied out per event: no reader thread, no buffer to overflow. The
 * instance's {@code set_event_pid} holds the vCPU threads, each added by its own thread before
 * its first KVM_RUN, so other VMs' events stay out of the tables; rows of any other thread are
 * left out of the census all the same.
 *
 * <p>{@code kvm:kvm_msr} is counted only for the MSRs asked for, and only fires for accesses KVM
 * completes in the kernel: an access the MSR filter sends to userspace ({@code --count-msrs})
 * returns to userspace before KVM traces it (arch/x86/kvm/x86.c, kvm_emulate_rdmsr/_wrmsr), and
 * the KVM_SET_MSRS that then performs it is a host access, which KVM does not trace either. So one
 * MSR is counted either by the filter or here, never both at once.
 *
 * <p>Where tracefs cannot be used (not mounted, not root, no hist triggers), {@link #status()}
 * says why and the VM runs as it would without this.
 */
public final class KvmTraceCensus implements VmExtension {
    /** Key fields in order of preference; the first two an event has are its keys. */
    private static final List<String> CLASSIFYING = List.of("code", "msr", "ecx", "sint", "timer_index",
            "write", "fast", "host", "vector", "result", "direct");
    /** Fields shown in hex, as KVM's own trace output shows them. */
    private static final Set<String> HEX = Set.of("code", "msr", "ecx", "result");
    private static final AtomicLong SERIAL = new AtomicLong();
    private static final String MSR_EVENT = "kvm_msr";

    private final Path root;
    private final String prefix;
    private final Set<String> excluded;
    private final List<MsrFilterRange> msrs;
    private final Map<Long, Integer> vcpuOfThread = new ConcurrentHashMap<>();
    private final List<String> events = new ArrayList<>();
    /** Event name → its trigger command, to remove them before the instance goes. */
    private final Map<String, String> triggers = new java.util.LinkedHashMap<>();
    private volatile TraceInstance instance;
    private volatile String unavailable;
    private volatile String lateFailure;
    private long dropped;

    /**
     * Counts the events of the {@code kvm} system whose names start with {@code prefix} (but not
     * those in {@code excluded}), and {@code kvm:kvm_msr} for the MSRs in {@code msrs} if any.
     */
    public KvmTraceCensus(String prefix, Set<String> excluded, List<MsrFilterRange> msrs) {
        this(TraceInstance.DEFAULT_ROOT, prefix, excluded, msrs);
    }

    KvmTraceCensus(Path root, String prefix, Set<String> excluded, List<MsrFilterRange> msrs) {
        this.root = root;
        this.prefix = prefix;
        this.excluded = Set.copyOf(excluded);
        this.msrs = List.copyOf(msrs);
    }

    @Override
    public String name() {
        return "kernel trace points";
    }

    /** Sets the instance up once the VM exists, before any vCPU runs. */
    @Override
    public void vmCreated(Vm vm) {
        try {
            instance = TraceInstance.create(root, SERIAL.incrementAndGet());
            arm(instance);
        } catch (TraceUnavailableException e) {
            unavailable = e.getMessage();
            closeInstance();
        }
    }

    private void arm(TraceInstance in) throws TraceUnavailableException {
        Path kvm = in.dir().resolve("events/kvm");
        if (!Files.isDirectory(kvm)) {
            throw new TraceUnavailableException("the kernel has no kvm trace events in " + root);
        }
        try {
            // Only threads in the list are traced; until the vCPU threads add themselves, ours.
            in.write("set_event_pid", Long.toString(threadId()));
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> all = Files.newDirectoryStream(kvm, prefix + "*")) {
                all.forEach(p -> names.add(p.getFileName().toString()));
            }
            names.removeAll(excluded);
            if (!msrs.isEmpty()) {
                names.add(MSR_EVENT);
            }
            names.sort(null);
            for (String name : names) {
                EventFormat f = EventFormat.parse(name, in.read("events/kvm/" + name + "/format"));
                String cmd = trigger(f);
                in.write("events/kvm/" + name + "/trigger", cmd);
                triggers.put(name, cmd);
                events.add("kvm:" + name);
            }
        } catch (IOException e) {
            throw new TraceUnavailableException("cannot set up hist triggers in " + in.dir() + ": "
                    + TraceInstance.reason(e) + " (a kernel without CONFIG_HIST_TRIGGERS?)");
        }
    }

    /** The hist trigger command for {@code f}. */
    String trigger(EventFormat f) {
        StringJoiner keys = new StringJoiner(",", "hist:keys=", "");
        keys.add("common_pid");
        for (String k : keyFields(f)) {
            keys.add(k);
        }
        if (!f.name().equals(MSR_EVENT)) {
            return keys + ":size=256";
        }
        StringJoiner filter = new StringJoiner(" || ");
        for (MsrFilterRange r : msrs) {
            long first = Integer.toUnsignedLong(r.first());
            filter.add("(ecx >= " + first + " && ecx <= " + (first + r.count() - 1) + ")");
        }
        return keys + ":size=4096 if " + filter;
    }

    private static List<String> keyFields(EventFormat f) {
        if (f.name().equals(MSR_EVENT)) {
            return List.of("ecx", "write");
        }
        return CLASSIFYING.stream().filter(f::has).limit(2).toList();
    }

    /** On the vCPU's own thread: add it to the instance's pid list before it enters the guest. */
    @Override
    public void vcpuThreadStarted(Vcpu vcpu) {
        TraceInstance in = instance;
        if (in == null) {
            return;
        }
        try {
            long tid = threadId();
            vcpuOfThread.put(tid, vcpu.index());
            in.write("set_event_pid", Long.toString(tid));
        } catch (IOException | RuntimeException e) {
            lateFailure = "vcpu " + vcpu.index() + ": cannot add its thread to set_event_pid: " + e.getMessage();
        }
    }

    /** The calling thread's kernel id: /proc/thread-self is a link to PID/task/TID. */
    static long threadId() throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
        return Long.parseLong(link.substring(link.lastIndexOf('/') + 1));
    }

    @Override
    public void census(CensusSink sink) {
        TraceInstance in = instance;
        if (in == null) {
            return;
        }
        long lost = 0;
        for (String event : events) {
            String name = event.substring("kvm:".length());
            HistOutput hist;
            try {
                hist = HistOutput.parse(in.read("events/kvm/" + name + "/hist"));
            } catch (IOException | IllegalArgumentException e) {
                lateFailure = "cannot read the hist of " + event + ": " + e.getMessage();
                continue;
            }
            lost += hist.dropped();
            for (HistOutput.Row row : hist.rows()) {
                Integer vcpu = vcpuOfThread.get(row.keys().getOrDefault("common_pid", -1L));
                if (vcpu != null) {
                    sink.add(vcpu, event, key(name, row.keys()), row.hits());
                }
            }
        }
        dropped = lost;
    }

    /** A row's key as the census shows it; kvm_msr's as the filter census' msr group does. */
    static String key(String event, Map<String, Long> keys) {
        if (event.equals(MSR_EVENT)) {
            return "0x%08x %s".formatted(keys.getOrDefault("ecx", 0L), keys.getOrDefault("write", 0L) != 0 ? "wrmsr" : "rdmsr");
        }
        StringJoiner j = new StringJoiner(" ");
        keys.forEach((field, v) -> {
            if (!field.equals("common_pid")) {
                j.add(field + " " + (HEX.contains(field) ? "0x" + Long.toHexString(v) : Long.toString(v)));
            }
        });
        return j.length() == 0 ? "events" : j.toString();
    }

    /** What was counted, or why nothing was; read after {@link #census}. */
    public TraceStatus status() {
        if (unavailable != null) {
            return TraceStatus.unavailable(unavailable);
        }
        if (lateFailure != null) {
            return new TraceStatus(events, dropped, Optional.of(lateFailure));
        }
        return new TraceStatus(events, dropped, Optional.empty());
    }

    @Override
    public void close() {
        closeInstance();
    }

    private void closeInstance() {
        TraceInstance in = instance;
        instance = null;
        if (in != null) {
            // Triggers first: an instance whose events still have triggers may refuse to go.
            triggers.forEach((name, cmd) -> {
                try {
                    in.write("events/kvm/" + name + "/trigger", "!" + cmd);
                } catch (IOException e) {
                    // Removing the instance below removes the trigger as well, or leaves it to removeStale.
                }
            });
            in.close();
        }
    }
}
