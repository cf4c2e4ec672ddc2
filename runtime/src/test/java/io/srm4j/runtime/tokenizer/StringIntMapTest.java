package io.srm4j.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StringIntMapTest {
    @Test
    void behavesLikeAHashMapWithFirstValueKept() {
        Random r = new Random(7);
        StringIntMap map = new StringIntMap(5000);
        Map<String, Integer> reference = new HashMap<>();
        for (int i = 0; i < 5000; i++) {
            String key = Integer.toString(r.nextInt(3000), 36) + (r.nextBoolean() ? "Ġ" : "");
            Integer old = reference.putIfAbsent(key, i);
            assertEquals(old == null ? -1 : old, map.putIfAbsent(key, i));
        }
        assertEquals(reference.size(), map.size());
        reference.forEach((k, v) -> assertEquals(v, map.get(k)));
        assertEquals(-1, map.get("absent"));
        // colliding hash codes ("Aa" and "BB") stay apart
        StringIntMap small = new StringIntMap(2);
        small.putIfAbsent("Aa", 1);
        small.putIfAbsent("BB", 2);
        assertEquals(1, small.get("Aa"));
        assertEquals(2, small.get("BB"));
    }
}
