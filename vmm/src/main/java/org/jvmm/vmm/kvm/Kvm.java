// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import static org.jvmm.bindings.kvm.kvm_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.jvmm.bindings.kvm.kvm_msr_list;
import org.jvmm.bindings.libc.ErrnoException;
import org.jvmm.bindings.libc.LibC;
import org.jvmm.vmm.sys.Posix;

/**
 * The KVM system fd ({@code /dev/kvm}): what the host supports, and VM creation. One method per
 * system ioctl, named after it.
 *
 * <pre>{@code
 * try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
 *     int slots = kvm.checkExtension(KVM_CAP_NR_MEMSLOTS());
 * }
 * }</pre>
 */
public final class Kvm implements AutoCloseable {
    public static final String DEVICE = "/dev/kvm";
    /** The only KVM API version there has ever been (KVM_API_VERSION in linux/kvm.h). */
    public static final int API_VERSION = 12;
    /** KVM_GET_SUPPORTED_CPUID fails with E2BIG below the host's count; 256 is ample today. */
    private static final int CPUID_CAPACITY = 256;

    private final int fd;
    private volatile boolean closed;

    private Kvm(int fd) {
        this.fd = fd;
    }

    /** Opens {@value #DEVICE}. */
    public static Kvm open() {
        return open(DEVICE);
    }

    /**
     * Opens {@code device} and checks the API version; any failure raises
     * {@link KvmUnavailableException} with a {@link KvmDiagnosis} of this host.
     */
    public static Kvm open(String device) {
        int fd;
        try {
            fd = Posix.open(device, LibC.O_RDWR | LibC.O_CLOEXEC);
        } catch (ErrnoException e) {
            throw new KvmUnavailableException(KvmDiagnosis.openFailed(device, e.errno(), KvmHostFacts.read()));
        }
        Kvm kvm = new Kvm(fd);
        int version;
        try {
            version = kvm.apiVersion();
        } catch (KvmException e) {
            kvm.close();
            throw new KvmUnavailableException(KvmDiagnosis.notKvm(device, e.getMessage(), KvmHostFacts.read()));
        }
        if (version != API_VERSION) {
            kvm.close();
            throw new KvmUnavailableException(KvmDiagnosis.wrongApiVersion(device, version, KvmHostFacts.read()));
        }
        return kvm;
    }

    public int fd() {
        return fd;
    }

    /** KVM_GET_API_VERSION. */
    public int apiVersion() {
        return Ioctls.call(fd, "KVM_GET_API_VERSION", KVM_GET_API_VERSION());
    }

    /** KVM_CHECK_EXTENSION on the system fd: 0 if {@code cap} is absent, else its value (often 1). */
    public int checkExtension(int cap) {
        return Ioctls.call(fd, "KVM_CHECK_EXTENSION", KVM_CHECK_EXTENSION(), cap, () -> "cap " + cap);
    }

    /** KVM_GET_VCPU_MMAP_SIZE: bytes to map from each vCPU fd (kvm_run plus the PIO data page...). */
    public int vcpuMmapSize() {
        return Ioctls.call(fd, "KVM_GET_VCPU_MMAP_SIZE", KVM_GET_VCPU_MMAP_SIZE());
    }

    /** KVM_GET_SUPPORTED_CPUID: the CPUID leaves KVM can present to a guest on this host. */
    public List<CpuidEntry> supportedCpuid() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cpuid = Structs.cpuid2(a, CPUID_CAPACITY);
            Ioctls.call(fd, "KVM_GET_SUPPORTED_CPUID", KVM_GET_SUPPORTED_CPUID(), cpuid,
                    () -> "capacity " + CPUID_CAPACITY);
            return Structs.cpuidEntries(cpuid);
        }
    }

    /** KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores for a guest. */
    public int[] msrIndexList() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment probe = a.allocate(kvm_msr_list.sizeof(), 4);
            // With nmsrs 0 the kernel answers E2BIG and stores the count it needs.
            int r = LibC.ioctlOrErrno(fd, KVM_GET_MSR_INDEX_LIST(), probe);
            int n = kvm_msr_list.nmsrs(probe);
            if (r < 0 && r != -7) {
                throw new KvmException("KVM_GET_MSR_INDEX_LIST", KVM_GET_MSR_INDEX_LIST(), -r, "count probe");
            }
            MemorySegment list = a.allocate(kvm_msr_list.sizeof() + 4L * n, 4);
            kvm_msr_list.nmsrs(list, n);
            Ioctls.call(fd, "KVM_GET_MSR_INDEX_LIST", KVM_GET_MSR_INDEX_LIST(), list, () -> "nmsrs " + n);
            int count = kvm_msr_list.nmsrs(list);
            return list.asSlice(kvm_msr_list.sizeof(), 4L * count).toArray(ValueLayout.JAVA_INT);
        }
    }

    /** KVM_CREATE_VM with the default machine type. */
    public Vm createVm() {
        int vmFd = Ioctls.call(fd, "KVM_CREATE_VM", KVM_CREATE_VM(), 0L, () -> "type 0");
        return new Vm(this, vmFd);
    }

    /** Any system ioctl by number, for extensions; returns the ioctl's result. */
    public int systemIoctl(long request, MemorySegment arg) {
        return Ioctls.call(fd, Ioctls.nameOf(request), request, arg, null);
    }

    /** Any system ioctl with an integer argument. */
    public int systemIoctl(long request, long arg) {
        return Ioctls.call(fd, Ioctls.nameOf(request), request, arg, null);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Posix.close(fd);
        }
    }
}
