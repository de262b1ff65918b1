// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ConnectionTableTest {

    @Test
    void addsInAnyOrderFindsEachAndRemovesFromAnyPlace() {
        ConnectionTable<String> t = new ConnectionTable<>();
        int[] ids = {40, 4, 0xFFFFFF, 0, 17, 1};
        for (int id : ids) {
            assertTrue(t.add(id, "h" + id));
        }
        assertFalse(t.add(17, "again"), "a taken id");
        assertEquals("h17", t.get(17));
        for (int id : ids) {
            assertEquals("h" + id, t.get(id));
        }
        assertNull(t.get(2));
        assertNull(t.get(-1));
        assertTrue(t.remove(4));
        assertTrue(t.remove(0xFFFFFF));
        assertTrue(t.remove(0));
        assertFalse(t.remove(0), "already gone");
        assertNull(t.get(4));
        assertEquals(List.of("h1", "h17", "h40"), List.of(t.get(1), t.get(17), t.get(40)));
    }

    @Test
    void readersNeverSeeAHalfChangedTable() throws Exception {
        ConnectionTable<Integer> t = new ConnectionTable<>();
        t.add(1000, 1000); // always there: a reader must find it in every snapshot
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> problem = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    Integer h = t.get(1000);
                    if (h == null || h != 1000) {
                        problem.set("lost the fixed entry: " + h);
                    }
                    for (int id = 0; id < 64; id++) {
                        Integer x = t.get(id);
                        if (x != null && x != id) {
                            problem.set("id " + id + " mapped to " + x);
                        }
                    }
                }
            }));
        }
        for (int round = 0; round < 2000; round++) {
            int id = round % 64;
            t.add(id, id);
            if (round % 3 != 0) {
                t.remove(id);
            }
        }
        stop.set(true);
        for (Thread r : readers) {
            r.join();
        }
        assertNull(problem.get());
    }
}
