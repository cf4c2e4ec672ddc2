package io.srm4j.train.data;

import io.srm4j.train.autograd.CrossEntropy;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Packing invariants, packed-equals-alone on a real model, and the seeded epoch order. */
class PackingTest {
    static List<TokenizedExample> randomExamples(Random rnd, int count, int maxLen, int vocab) {
        List<TokenizedExample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = 2 + rnd.nextInt(maxLen - 1), prompt = rnd.nextInt(n - 1) + 1;
            int[] t = new int[n];
            for (int j = 0; j < n; j++) t[j] = 3 + rnd.nextInt(vocab - 3);
            boolean[] m = new boolean[n];
            Arrays.fill(m, prompt, n, true);
            out.add(new TokenizedExample(t, m));
        }
        return out;
    }

    @Test
    void packsWholeExamplesInOrderWithRestartingPositionsAndMaskedTargets() {
        Random rnd = new Random(3);
        List<TokenizedExample> ex = randomExamples(rnd, 40, 16, 50);
        int seqLen = 20, pad = 0;
        List<PackedRow> rows = Packer.pack(ex, seqLen, pad);
        int next = 0, docs = 0;
        for (PackedRow row : rows) {
            assertEquals(seqLen, row.length());
            docs += row.documents();
            int i = 0;
            for (int d = 0; d < row.documents(); d++) {
                TokenizedExample e = ex.get(next++);
                // the example sits whole and contiguous, positions 0..n-1
                assertArrayEquals(e.tokens(), Arrays.copyOfRange(row.tokens(), i, i + e.length()));
                for (int j = 0; j < e.length(); j++) {
                    assertEquals(j, row.positions()[i + j]);
                    int expected = j + 1 < e.length() && e.trained()[j + 1] ? e.tokens()[j + 1] : CrossEntropy.IGNORE;
                    assertEquals(expected, row.targets()[i + j], "target at " + (i + j));
                }
                i += e.length();
            }
            assertEquals(i, row.realTokens());
            for (int j = i; j < seqLen; j++) {
                assertEquals(pad, row.tokens()[j]);
                assertEquals(CrossEntropy.IGNORE, row.targets()[j]);
                assertEquals(j - i, row.positions()[j], "padding is its own document");
            }
            // greedy: the next example would not have fitted
            if (next < ex.size()) assertTrue(i + ex.get(next).length() > seqLen);
        }
        assertEquals(ex.size(), docs);
        assertEquals(ex.size(), next);
        assertThrows(IllegalArgumentException.class, () -> Packer.pack(List.of(TokenizedExample.allTrained(new int[21])), 20, 0));
    }

    @Test
    void aPackedExampleGetsTheSameLogitsAsAlone() {
        TransformerConfig c = new TransformerConfig(32, 2, 4, 2, 48, 30, 32, 10000f, 1e-5f, true);
        TransformerModel m = TransformerModel.create(c, 5);
        Random rnd = new Random(9);
        List<TokenizedExample> ex = randomExamples(rnd, 3, 9, c.vocab());
        PackedRow row = Packer.pack(ex, 30, 0).getFirst();
        assertEquals(3, row.documents());
        float[] packed = m.forward(Tape.NO_GRAD, row.tokens(), row.positions(), 1, 30).data();
        int at = 0;
        for (TokenizedExample e : ex) {
            float[] alone = m.forward(Tape.NO_GRAD, e.tokens(), 1, e.length()).data();
            float[] got = Arrays.copyOfRange(packed, at * c.vocab(), (at + e.length()) * c.vocab());
            assertArrayEquals(alone, got, 1e-5f);
            at += e.length();
        }
        // without document masking the second example would see the first: the logits would differ
        float[] unmasked = m.forward(Tape.NO_GRAD, row.tokens(), 1, 30).data();
        int second = ex.get(0).length();
        float[] alone = m.forward(Tape.NO_GRAD, ex.get(1).tokens(), 1, ex.get(1).length()).data();
        assertFalse(Arrays.equals(alone, Arrays.copyOfRange(unmasked, second * c.vocab(), (second + ex.get(1).length()) * c.vocab())));
    }

    @Test
    void epochOrderIsSeededDeterministicAndDiffersPerEpoch() {
        int[] a = PackedStream.order(50, 42, 0), b = PackedStream.order(50, 42, 0);
        assertArrayEquals(a, b);
        assertEquals(50, Arrays.stream(a).distinct().count());
        assertFalse(Arrays.equals(a, PackedStream.order(50, 42, 1)), "epochs differ");
        assertFalse(Arrays.equals(a, PackedStream.order(50, 43, 0)), "seeds differ");
        // pinned: java.util.Random's sequence is specified, so this order holds on every JVM
        assertArrayEquals(new int[]{5, 3, 1, 2, 0, 4}, PackedStream.order(6, 7, 0), Arrays.toString(PackedStream.order(6, 7, 0)));
    }

    @Test
    void streamRunsAcrossEpochsAndSeeksBackToTheSameRows() {
        Random rnd = new Random(4);
        SftDataset d = SftDataset.fromTokenized(randomExamples(rnd, 30, 12, 40), 16, SftDataset.Overlong.DROP);
        PackedStream s = new PackedStream(d, 16, 11, 0);
        int perEpoch = s.epochRows(0).size();
        List<PackedRow> first = s.next(perEpoch + 3);
        assertEquals(new PackedStream.Position(1, 3), s.position());
        // every example once per epoch
        Set<String> seen = new HashSet<>();
        int docs = 0;
        for (PackedRow r : first.subList(0, perEpoch)) docs += r.documents();
        assertEquals(30, docs);
        for (TokenizedExample e : d.examples()) seen.add(Arrays.toString(e.tokens()));
        assertEquals(30, seen.size());

        List<PackedRow> more = s.next(5);
        PackedStream again = new PackedStream(d, 16, 11, 0);
        again.seek(new PackedStream.Position(1, 3));
        List<PackedRow> replay = again.next(5);
        for (int i = 0; i < 5; i++) assertArrayEquals(more.get(i).tokens(), replay.get(i).tokens());
    }

    @Test
    void overlongExamplesAreTruncatedOrDroppedAndCounted() {
        TokenizedExample shortOne = new TokenizedExample(new int[]{1, 2, 3}, new boolean[]{false, true, true});
        TokenizedExample longOne = new TokenizedExample(new int[]{1, 2, 3, 4, 5, 6}, new boolean[]{false, false, false, true, true, true});
        TokenizedExample answerCutOff = new TokenizedExample(new int[]{1, 2, 3, 4, 5, 6}, new boolean[]{false, false, false, false, false, true});
        SftDataset t = SftDataset.fromTokenized(List.of(shortOne, longOne, answerCutOff), 4, SftDataset.Overlong.TRUNCATE);
        assertEquals(2, t.examples().size());
        assertEquals(2, t.stats().truncated());
        assertEquals(1, t.stats().droppedUntrained());
        assertEquals(4, t.examples().get(1).length());
        SftDataset dr = SftDataset.fromTokenized(List.of(shortOne, longOne, answerCutOff), 4, SftDataset.Overlong.DROP);
        assertEquals(1, dr.examples().size());
        assertEquals(2, dr.stats().droppedOverlong());
        assertTrue(dr.stats().summary().contains("2 dropped as longer"), dr.stats().summary());
        assertNotEquals(t.fingerprint(), dr.fingerprint());
    }

    @Test
    void badJsonlLinesNameTheirLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String good = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\",\"reasoning\":\"greet\"}]}";
        java.nio.file.Path f = dir.resolve("d.jsonl");
        java.nio.file.Files.writeString(f, good + "\n\n" + good + "\n");
        var lines = ChatJsonl.read(f);
        assertEquals(2, lines.size());
        assertEquals(3, lines.get(1).lineNumber());
        assertEquals("greet", lines.get(0).example().messages().get(1).reasoning());
        String[][] bad = {
                {"{\"messages\": [", "not valid JSON"},
                {"{\"msgs\": []}", "no \"messages\""},
                {"{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", "role must be"},
                {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "must end with an assistant"},
                {"{\"messages\":[{\"role\":\"user\",\"content\":7},{\"role\":\"assistant\",\"content\":\"x\"}]}", "\"content\" must be a string"},
        };
        for (String[] b : bad) {
            java.nio.file.Files.writeString(f, good + "\n" + b[0] + "\n");
            var e = assertThrows(DataException.class, () -> ChatJsonl.read(f));
            assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains(b[1]), e.getMessage());
        }
    }
}
