// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.util.HashMap;
import java.util.Map;

/**
 * The SINT routes channels raise their event flags on, one per (VP, SINT) and shared by every
 * channel targeting that VP, the message route among them; opened on first use and closed
 * together when the guest's session ends. Guarded by the server's lock.
 */
final class EventRoutes {
    private final VmbusServer.Routes routes;
    private final Map<Long, VmbusServer.Route> open = new HashMap<>();

    EventRoutes(VmbusServer.Routes routes) {
        this.routes = routes;
    }

    /** Keeps {@code r}, already open, as the route to {@code vp}'s {@code sint}. */
    void add(int vp, int sint, VmbusServer.Route r) {
        open.put(key(vp, sint), r);
    }

    /** The route to {@code vp}'s {@code sint}; throws when that VP has none (unknown, or SynIC off). */
    VmbusServer.Route get(int vp, int sint) {
        VmbusServer.Route r = open.get(key(vp, sint));
        if (r == null) {
            r = routes.open(vp, sint);
            open.put(key(vp, sint), r);
        }
        return r;
    }

    void closeAll() {
        open.values().forEach(VmbusServer.Route::close);
        open.clear();
    }

    /** All 32 bits of the guest's VP number are kept, so no VP can alias another's route. */
    private static long key(int vp, int sint) {
        return (vp & 0xffffffffL) << 8 | sint;
    }
}
