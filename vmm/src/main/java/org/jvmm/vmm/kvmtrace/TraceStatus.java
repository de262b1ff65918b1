// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvmtrace;

import java.util.List;
import java.util.Optional;

/**
 * How the kernel's side of the census went: the trace points counted (as {@code kvm:NAME}), the
 * events the kernel's tables had no room for, or why no trace point was read at all.
 */
public record TraceStatus(List<String> events, long dropped, Optional<String> unavailable) {
    public TraceStatus {
        events = List.copyOf(events);
    }

    public static TraceStatus unavailable(String why) {
        return new TraceStatus(List.of(), 0, Optional.of(why));
    }
}
