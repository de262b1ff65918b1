// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CounterMapTest {

    @Test
    void countsMatchAPlainMapThroughGrowth() {
        CounterMap m = new CounterMap();
        Map<Long, Long> expected = new HashMap<>();
        Random r = new Random(11);
        for (int i = 0; i < 50_000; i++) {
            long key = r.nextInt(3000) * 0x10001L - 7; // negative, spread and clustered keys
            m.increment(key);
            expected.merge(key, 1L, Long::sum);
        }
        Map<Long, Long> seen = new HashMap<>();
        m.forEach(seen::put);
        assertEquals(expected, seen);
        assertEquals(expected.size(), m.size());
        expected.forEach((k, n) -> assertEquals(n, m.get(k)));
        assertEquals(0, m.get(123456789L));
        assertEquals(0, m.overflow());
    }

    @Test
    void keysPastTheCapGoToOverflow() {
        CounterMap m = new CounterMap();
        int extra = 37;
        for (int i = 0; i < CounterMap.MAX_KEYS + extra; i++) {
            m.increment(i);
        }
        m.increment(0); // a key already kept still counts as itself
        assertEquals(CounterMap.MAX_KEYS, m.size());
        assertEquals(extra, m.overflow());
        assertEquals(2, m.get(0));
    }
}
