// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OracleConfigTest {
    private static List<Integer> members(String shard, int count) {
        return IntStream.range(0, count).filter(i -> OracleConfig.inShard(shard, i)).boxed().toList();
    }

    @Test
    void sharesSplitTheConfigurationsWithoutGapsOrOverlap() {
        assertEquals(List.of(0, 3, 6), members("1/3", 8));
        assertEquals(List.of(1, 2, 4, 5, 7), members("2,3/3", 8));
        assertEquals(List.of(0, 1, 2, 3), members("1/1", 4));
    }

    @Test
    void everyConfigurationNameIsUnique() {
        List<String> names = OracleConfig.all().stream().map(OracleConfig::name).toList();
        assertEquals(names.size(), names.stream().distinct().count(), names.toString());
    }

    @Test
    void malformedShardsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> OracleConfig.inShard("0/2", 0));
        assertThrows(IllegalArgumentException.class, () -> OracleConfig.inShard("3/2", 0));
        assertThrows(IllegalArgumentException.class, () -> OracleConfig.inShard("half", 0));
    }
}
