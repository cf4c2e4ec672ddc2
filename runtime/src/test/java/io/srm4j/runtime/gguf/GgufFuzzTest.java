package io.srm4j.runtime.gguf;

import io.srm4j.runtime.SharedAssets;
import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.model.Transformer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Robustness: over a thousand truncated or mutated GGUF files, each must end — within a time bound — either in a
 * clear error (our exception types, with a message) or in a model that loads and runs a forward pass.
 * Never another exception type, a hang, a JVM crash or an OutOfMemoryError.
 */
@org.junit.jupiter.api.Tag("conformance")
class GgufFuzzTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    private enum Outcome { VALID, CLEAR_ERROR }

    /** Parses, loads and runs the model; returns how it ended or throws what was unexpected. */
    private static Outcome exercise(byte[] image) throws Exception {
        try (GgufFile f = GgufFile.of(MemorySegment.ofArray(image))) {
            Transformer tf = Transformer.fromGguf(f);
            KvCache cache = new KvCache(tf.config(), 8);
            int[] tokens = {1 % tf.config().vocabSize(), 0};
            tf.forward(cache, tokens, 0, tokens.length, tf.newScratch());
            return Outcome.VALID;
        } catch (GgufFormatException | IllegalArgumentException | KvCache.ContextOverflowException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("error without a message", e);
            return Outcome.CLEAR_ERROR;
        }
    }

    private static List<byte[]> mutants(byte[] base, int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> out = new ArrayList<>();
        int headerEnd = headerEnd(base);
        long[] extremes = {0, 1, -1, 0x7FFFFFFFL, 0xFFFFFFFFL, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, 31, 33};
        for (int i = 0; i < count; i++) {
            byte[] m;
            switch (i % 4) {
                case 0 -> m = java.util.Arrays.copyOf(base, r.nextInt(base.length)); // truncation anywhere
                case 1 -> { // random bytes flipped in the header, where the structure lives
                    m = base.clone();
                    int flips = 1 + r.nextInt(8);
                    for (int k = 0; k < flips; k++) m[r.nextInt(headerEnd)] ^= (byte) (1 + r.nextInt(255));
                }
                case 2 -> { // a count, length or offset replaced by an extreme value
                    m = base.clone();
                    int at = r.nextInt(Math.max(1, headerEnd - 8));
                    ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(at, extremes[r.nextInt(extremes.length)]);
                }
                default -> { // bytes anywhere, data included (garbage weights must still run)
                    m = base.clone();
                    for (int k = 0; k < 16; k++) m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                }
            }
            out.add(m);
        }
        return out;
    }

    private static int headerEnd(byte[] image) {
        try (GgufFile f = GgufFile.of(MemorySegment.ofArray(image))) {
            return (int) f.dataOffset();
        } catch (GgufFormatException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void mutatedFilesEndInAClearErrorOrAValidModel() throws Exception {
        byte[] real = Files.readAllBytes(SharedAssets.require("models/tiny/stories260K.gguf"));
        List<byte[]> cases = new ArrayList<>(mutants(real, 1200, 42));
        ExecutorService exec = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz");
            t.setDaemon(true);
            return t;
        });
        int valid = 0, errors = 0;
        try {
            for (int i = 0; i < cases.size(); i++) {
                byte[] image = cases.get(i);
                Future<Outcome> f = exec.submit(() -> exercise(image));
                try {
                    if (f.get(BOUND.toMillis(), TimeUnit.MILLISECONDS) == Outcome.VALID) valid++;
                    else errors++;
                } catch (TimeoutException e) {
                    fail("case " + i + " did not finish within " + BOUND);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new AssertionError("case " + i + " (" + image.length + " bytes) ended in an unexpected " + e.getCause(), e.getCause());
                }
            }
        } finally {
            exec.shutdownNow();
        }
        assertTrue(valid + errors >= 1000);
        assertTrue(errors > 300 && valid > 50, "a healthy mix of outcomes: " + valid + " valid, " + errors + " errors");
    }
}
