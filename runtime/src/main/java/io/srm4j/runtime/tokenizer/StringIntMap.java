package io.srm4j.runtime.tokenizer;

/**
 * String to non-negative int, open addressing with linear probing. Vocabularies and merge tables hold 150k+
 * entries; keeping them in two flat arrays instead of boxed HashMap entries makes loading cheaper and lighter
 * on the garbage collector.
 */
final class StringIntMap {
    private final String[] keys;
    private final int[] values;
    private final int mask;
    private int size;

    StringIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1; // load factor <= 0.5
        keys = new String[cap];
        values = new int[cap];
        mask = cap - 1;
    }

    private static int spread(int h) {
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        return h ^ (h >>> 16);
    }

    /** Stores the value unless the key is present; returns the existing value, or -1 when it was added. */
    int putIfAbsent(String key, int value) {
        if (size * 2 >= keys.length) throw new IllegalStateException("StringIntMap is full (" + size + " entries)");
        for (int i = spread(key.hashCode()) & mask; ; i = (i + 1) & mask) {
            String k = keys[i];
            if (k == null) {
                keys[i] = key;
                values[i] = value;
                size++;
                return -1;
            }
            if (k.equals(key)) return values[i];
        }
    }

    /** The value for the key, or -1. */
    int get(String key) {
        for (int i = spread(key.hashCode()) & mask; ; i = (i + 1) & mask) {
            String k = keys[i];
            if (k == null) return -1;
            if (k.equals(key)) return values[i];
        }
    }

    int size() {
        return size;
    }
}
