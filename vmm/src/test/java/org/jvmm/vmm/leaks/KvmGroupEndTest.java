// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.leaks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs last in the kvm group (junit-platform.properties orders classes by @Order): after every
 * test that built VMs in this JVM, none of them may have left a KVM fd (/dev/kvm, a VM or vCPU
 * inode, an eventfd), a guest-RAM memfd, a kvm_run or guest-RAM mapping, or a vCPU thread.
 */
@Tag("kvm")
@Order(Integer.MAX_VALUE)
class KvmGroupEndTest {
    @Test
    void noTestOfTheGroupLeftAVmBehind() throws InterruptedException {
        ProcessResources now = ProcessResources.now();
        // vCPU threads of a VM closed a moment ago may still be finishing their last lines.
        for (int i = 0; i < 40 && !now.noVmLeft(); i++) {
            System.gc();
            Thread.sleep(50);
            now = ProcessResources.now();
        }
        System.out.printf("kvm group end: %d fds, %d threads, %d mappings, RSS %d KiB; of VMs: %s%n",
                now.fds().size(), now.threads(), now.maps(), now.rssKib(), now.describeVm());
        assertTrue(now.noVmLeft(), now.describeVm());
    }
}
