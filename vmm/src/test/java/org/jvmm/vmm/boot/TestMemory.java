// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.boot;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.GuestRegion;

/** Guest memory on the Java heap's neighbour: zeroed native segments freed by the GC. */
final class TestMemory {
    static final long MIB = 1 << 20;

    private TestMemory() {}

    /** One region from 0 of {@code size} bytes. */
    static GuestMemory low(long size) {
        return GuestMemory.of(List.of(new GuestRegion(0, Arena.ofAuto().allocate(size, 4096))));
    }

    /** Regions given as gpa, size pairs. */
    static GuestMemory regions(long... gpaSize) {
        List<GuestRegion> regions = new ArrayList<>();
        for (int i = 0; i < gpaSize.length; i += 2) {
            regions.add(new GuestRegion(gpaSize[i], Arena.ofAuto().allocate(gpaSize[i + 1], 4096)));
        }
        return GuestMemory.of(regions);
    }
}
