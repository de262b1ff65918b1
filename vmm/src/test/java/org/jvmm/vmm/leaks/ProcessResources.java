// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.leaks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What this process holds, from /proc/self: open file descriptors (with their targets), threads
 * (the kernel's count, which includes the JIT's compiler threads the JVM starts and stops as it
 * likes, and the Java threads by name, which are what VMs start), memory mappings, resident memory; and the part of each that belongs to a VM (fds on /dev/kvm,
 * KVM's anon inodes, eventfds and guest-RAM memfds; mappings of a vCPU's kvm_run or of guest RAM;
 * vCPU threads), which must be none once every VM is closed.
 */
public record ProcessResources(List<String> fds, int threads, List<String> javaThreads, List<String> mappings, long rssKib,
        List<String> vmFds,
        List<String> vmMaps, List<String> vcpuThreads) {

    public static ProcessResources now() {
        List<String> fds = openFds();
        List<String> maps = lines(Path.of("/proc/self/maps"));
        long rss = lines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElseThrow();
        int threads;
        try (Stream<Path> t = Files.list(Path.of("/proc/self/task"))) {
            threads = (int) t.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> java = Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList();
        List<String> vcpus = java.stream().filter(n -> n.startsWith("vcpu-")).toList();
        return new ProcessResources(fds, threads, java, maps, rss,
                fds.stream().filter(ProcessResources::isVmFd).toList(),
                maps.stream().filter(l -> l.contains("kvm-vcpu") || l.contains("memfd:jvmm")).toList(), vcpus);
    }

    public int maps() {
        return mappings.size();
    }

    /** The MAP_SHARED mappings ("s" in the permissions): guest RAM, kvm_run, memfds, nothing of the JVM's own. */
    public List<String> sharedMappings() {
        return mappings.stream().filter(m -> m.split(" ", 3)[1].endsWith("s")).toList();
    }

    /** Mappings (address ranges and what they map) that {@code other} does not have. */
    public List<String> mapsNotIn(ProcessResources other) {
        java.util.Set<String> theirs = new java.util.HashSet<>(other.mappings);
        return mappings.stream().filter(m -> !theirs.contains(m)).toList();
    }

    static boolean isVmFd(String fd) {
        return fd.endsWith("/dev/kvm") || fd.contains("anon_inode:kvm-") || fd.contains("anon_inode:[eventfd]")
                || fd.contains("memfd:jvmm");
    }

    /** True when nothing of any VM is left: no KVM fds, no vCPU or guest-RAM mappings, no vCPU threads. */
    public boolean noVmLeft() {
        return vmFds.isEmpty() && vmMaps.isEmpty() && vcpuThreads.isEmpty();
    }

    public String describeVm() {
        return "fds " + vmFds + ", mappings " + vmMaps + ", threads " + vcpuThreads;
    }

    private static List<String> openFds() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : fds.toList()) {
                try {
                    out.add(p.getFileName() + "->" + Files.readSymbolicLink(p));
                } catch (IOException e) {
                    // the fd Files.list itself used, closed by now
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(null);
        return out;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
