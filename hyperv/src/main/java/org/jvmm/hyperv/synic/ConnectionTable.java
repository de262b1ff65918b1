// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import java.util.Arrays;

/**
 * Handlers by connection id, read on every hypercall exit and changed only when devices come and
 * go. A lookup is a volatile read and a binary search over a plain int array: no boxed key, no
 * hashing, nothing allocated. Changes are serialised by this object's lock and publish a fresh
 * snapshot, so a vCPU thread always sees a whole table, the one before or the one after.
 */
final class ConnectionTable<H> {
    private record Snapshot(int[] ids, Object[] handlers) {}

    private volatile Snapshot now = new Snapshot(new int[0], new Object[0]);

    /** The handler of {@code id}, or null. Any thread, no lock. */
    @SuppressWarnings("unchecked")
    H get(int id) {
        Snapshot s = now;
        int i = Arrays.binarySearch(s.ids, id);
        return i >= 0 ? (H) s.handlers[i] : null;
    }

    /** Adds {@code handler} for {@code id}; false (and no change) if {@code id} has one. */
    synchronized boolean add(int id, H handler) {
        Snapshot s = now;
        int i = Arrays.binarySearch(s.ids, id);
        if (i >= 0) {
            return false;
        }
        int at = -i - 1;
        int n = s.ids.length;
        int[] ids = new int[n + 1];
        Object[] handlers = new Object[n + 1];
        System.arraycopy(s.ids, 0, ids, 0, at);
        System.arraycopy(s.handlers, 0, handlers, 0, at);
        ids[at] = id;
        handlers[at] = handler;
        System.arraycopy(s.ids, at, ids, at + 1, n - at);
        System.arraycopy(s.handlers, at, handlers, at + 1, n - at);
        now = new Snapshot(ids, handlers);
        return true;
    }

    /** Removes the handler of {@code id}; false if it had none. */
    synchronized boolean remove(int id) {
        Snapshot s = now;
        int at = Arrays.binarySearch(s.ids, id);
        if (at < 0) {
            return false;
        }
        int n = s.ids.length;
        int[] ids = new int[n - 1];
        Object[] handlers = new Object[n - 1];
        System.arraycopy(s.ids, 0, ids, 0, at);
        System.arraycopy(s.handlers, 0, handlers, 0, at);
        System.arraycopy(s.ids, at + 1, ids, at, n - at - 1);
        System.arraycopy(s.handlers, at + 1, handlers, at, n - at - 1);
        now = new Snapshot(ids, handlers);
        return true;
    }
}
