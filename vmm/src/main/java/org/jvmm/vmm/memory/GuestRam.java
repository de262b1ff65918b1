// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.jvmm.bindings.libc.ErrnoException;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.vmm.VmmException;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.sys.Posix;

/**
 * Guest RAM: host mappings laid out by {@link X86Layout}, one KVM memory slot each, seen by the
 * rest of the VMM as a {@link GuestMemory}.
 *
 * <p>Each range is a {@code MAP_SHARED | MAP_NORESERVE} mapping, of anonymous memory or of a
 * memfd (the latter can later be handed to another process, e.g. a vhost-user backend). The host
 * commits pages only when the guest touches them. Mappings are marked MADV_DONTFORK so a child
 * process (a helper started with fork/exec) does not copy guest RAM, and MADV_MERGEABLE is not
 * set: KSM across guests leaks timing information.
 *
 * <p>The mappings belong to one shared arena (vCPU threads and devices touch RAM concurrently)
 * whose cleanup is {@code munmap}: after {@link #close()} any access through {@link #memory()}
 * fails instead of reaching unmapped memory. Close it only after the VM's slots are removed.
 *
 * <p>This class is the one owner of the VM's memory slot numbers: slot {@code i} is region
 * {@code i}, in the order the regions were mapped, the boot ranges first and then whatever
 * {@link #add} maps while the VM runs.
 */
public final class GuestRam implements AutoCloseable {
    /** How RAM is backed on the host. */
    public enum Backing { ANONYMOUS, MEMFD }

    private final Arena arena = Arena.ofShared();
    private final List<GuestRegion> regions = new ArrayList<>();
    private final List<Integer> memfds = new ArrayList<>();
    private final GuestMemory memory;
    private final Backing backing;
    private Vm registeredWith;

    private GuestRam(long size, Backing backing) {
        this.backing = backing;
        try {
            for (X86Layout.RamRange range : X86Layout.ramRanges(size)) {
                regions.add(new GuestRegion(range.gpa(), map(range.size(), backing)));
            }
        } catch (RuntimeException e) {
            arena.close();
            closeMemfds();
            throw e;
        }
        memory = GuestMemory.of(regions);
    }

    /** Maps {@code size} bytes of RAM (a multiple of 4 KiB). */
    public static GuestRam allocate(long size, Backing backing) {
        if (size <= 0 || (size & 0xfff) != 0) {
            throw new VmmException("guest RAM size must be a positive multiple of 4 KiB, got " + size);
        }
        return new GuestRam(size, backing);
    }

    public static GuestRam allocate(long size) {
        return allocate(size, Backing.ANONYMOUS);
    }

    private MemorySegment map(long size, Backing backing) {
        int fd = -1;
        int flags = LibC.MAP_SHARED | LibC.MAP_NORESERVE;
        MemorySegment p;
        // The host refusing memory or fds (ENOMEM, EMFILE) is the user's to fix: a VmmException
        // (one line, exit 1), not an internal error.
        try {
            if (backing == Backing.MEMFD) {
                fd = Posix.memfd("jvmm-ram", size, LibC.MFD_CLOEXEC);
                memfds.add(fd);
            } else {
                flags |= LibC.MAP_ANONYMOUS;
            }
            p = Posix.mmap(size, LibC.PROT_READ | LibC.PROT_WRITE, flags, fd, 0);
        } catch (ErrnoException e) {
            throw new VmmException("cannot allocate %d MiB of guest RAM: %s".formatted(size >> 20, e.getMessage()), e);
        }
        Posix.madvise(p, LibC.MADV_DONTFORK);
        // Sound: mmap returned size bytes at p; the arena's cleanup unmaps them when it closes,
        // and every segment derived from this one dies with the arena.
        return p.reinterpret(size, arena, Posix::munmap);
    }

    public GuestMemory memory() {
        return memory;
    }

    public synchronized List<GuestRegion> regions() {
        return List.copyOf(regions);
    }

    /**
     * Maps {@code size} more bytes of RAM at {@code gpa} as the next slot, registers it with the
     * VM if the boot ranges are, and only then shows it to {@link #memory()}, so that no device
     * hands the guest an address KVM does not know yet. Any thread, while vCPUs run.
     */
    synchronized GuestRegion add(long gpa, long size) {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("guest RAM is closed");
        }
        if (size <= 0 || (size & 0xfff) != 0 || (gpa & 0xfff) != 0 || memory.overlapsRam(gpa, size)) {
            throw new IllegalArgumentException("new RAM at 0x%x+0x%x is not page-aligned or overlaps RAM"
                    .formatted(gpa, size));
        }
        GuestRegion r = new GuestRegion(gpa, map(size, backing));
        regions.add(r);
        if (registeredWith != null) {
            try {
                registeredWith.setUserMemoryRegion(regions.size() - 1, 0, r.gpa(), r.size(), r.host().address());
            } catch (RuntimeException e) {
                regions.removeLast(); // its mapping goes with the arena
                throw e;
            }
        }
        memory.add(r);
        return r;
    }

    public long size() {
        return memory.totalSize();
    }

    /** Registers the ranges with {@code vm} as slots 0, 1, ... (KVM_SET_USER_MEMORY_REGION). */
    public synchronized void register(Vm vm) {
        if (registeredWith != null) {
            throw new IllegalStateException("guest RAM is already registered with a VM");
        }
        for (int slot = 0; slot < regions.size(); slot++) {
            GuestRegion r = regions.get(slot);
            vm.setUserMemoryRegion(slot, 0, r.gpa(), r.size(), r.host().address());
        }
        registeredWith = vm;
    }

    /** Deletes the slots from the VM (size 0), so KVM holds no reference to the mappings. */
    public synchronized void unregister() {
        Vm vm = registeredWith;
        if (vm == null) {
            return;
        }
        registeredWith = null;
        for (int slot = 0; slot < regions.size(); slot++) {
            GuestRegion r = regions.get(slot);
            vm.setUserMemoryRegion(slot, 0, r.gpa(), 0, r.host().address());
        }
    }

    /** Unmaps RAM (and closes the memfds). Slots still registered are removed first. */
    @Override
    public synchronized void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        unregister();
        arena.close();
        closeMemfds();
    }

    private void closeMemfds() {
        for (int fd : memfds) {
            Posix.close(fd);
        }
        memfds.clear();
    }
}
