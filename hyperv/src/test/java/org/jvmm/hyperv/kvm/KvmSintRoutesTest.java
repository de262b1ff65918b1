// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.jvmm.bindings.kvm.kvm_hyperv_exit;
import org.jvmm.hyperv.synic.HvConnections;
import org.jvmm.hyperv.synic.HvExitHandler;
import org.jvmm.hyperv.synic.HvHypercalls;
import org.jvmm.hyperv.synic.Synic;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.kvm.Vm;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRegion;
import org.jvmm.vmm.spi.VcpuTasks;

/**
 * SINT routes against a real VM fd (any KVM with an in-kernel irqchip; KVM without Hyper-V
 * rejects the HV_SINT routing entry, which is one more failure path): no create that fails may
 * leave a file descriptor behind.
 */
@Tag("kvm")
class KvmSintRoutesTest {
    static final VcpuTasks INLINE = (index, task) -> {
        task.run();
        return CompletableFuture.completedFuture(null);
    };

    static Synic enabledSynic() {
        GuestMemory memory = GuestMemory.of(List.of(new GuestRegion(0, Arena.ofAuto().allocate(1 << 20, 4096))));
        Synic synic = new Synic(0, memory);
        HvExitHandler exits = new HvExitHandler(vp -> synic, new HvHypercalls(memory, new HvConnections()), false);
        MemorySegment hv = Arena.ofAuto().allocate(kvm_hyperv_exit.layout());
        kvm_hyperv_exit.type(hv, 1);
        MemorySegment s = kvm_hyperv_exit.u.synic(kvm_hyperv_exit.u(hv));
        kvm_hyperv_exit.u.synic.msr(s, 0x40000080);
        kvm_hyperv_exit.u.synic.control(s, 1);
        exits.handle(0, hv);
        return synic;
    }

    @Test
    void failingCreatesLeaveNoFileDescriptors() throws Exception {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
            vm.setIdentityMapAddr(0xfeffc000L);
            vm.setTssAddr(0xfeffd000L);
            vm.createIrqchip();
            Synic synic = enabledSynic();
            try (KvmSintRoutes routes = new KvmSintRoutes(vm)) {
                Set<String> before = openFds();
                for (int i = 0; i < 20; i++) {
                    assertThrows(RuntimeException.class, () -> routes.create(synic, 16, INLINE));
                    assertThrows(RuntimeException.class, () -> routes.create(synic, -1, INLINE));
                }
                // A valid SINT: KVM without Hyper-V rejects the HV_SINT entry (create fails),
                // one with Hyper-V accepts it (the route is closed again); both leave nothing.
                for (int i = 0; i < 20; i++) {
                    try {
                        routes.create(synic, 2, INLINE).close();
                    } catch (RuntimeException e) {
                        // the KVM of this host has no HV_SINT routing
                    }
                }
                Set<String> after = openFds();
                Set<String> leaked = new TreeSet<>(after);
                leaked.removeAll(before);
                assertEquals(Set.of(), leaked, "fds leaked by failing creates");
                assertThrows(IllegalArgumentException.class, () -> routes.create(synic, 16, INLINE),
                        "a SINT out of range is refused before anything is opened or sent to KVM");
            }
        }
    }

    static Set<String> openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(p -> {
                try {
                    return p.getFileName() + "->" + Files.readSymbolicLink(p);
                } catch (IOException e) {
                    return p.getFileName() + "->?";
                }
            }).filter(s -> !s.endsWith("->?")).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
