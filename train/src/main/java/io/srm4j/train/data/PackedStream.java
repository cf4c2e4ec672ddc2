package io.srm4j.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The endless sequence of training rows: epoch after epoch, the examples in a seeded shuffled order, packed into
 * rows. Where it stands is a {@link Position} (epoch, row within the epoch); the same data, seed and position give
 * the same rows again, which is how a resumed run continues exactly where the checkpoint left off.
 */
public final class PackedStream {
    /** The next row to hand out: row {@code row} of epoch {@code epoch}. */
    public record Position(int epoch, int row) {
        public Position {
            if (epoch < 0 || row < 0) throw new IllegalArgumentException("negative stream position " + epoch + "/" + row);
        }
    }

    private final SftDataset data;
    private final int seqLen;
    private final long seed;
    private final int padId;
    private int epoch = -1;
    private List<PackedRow> rows;
    private Position position = new Position(0, 0);

    public PackedStream(SftDataset data, int seqLen, long seed, int padId) {
        this.data = data;
        this.seqLen = seqLen;
        this.seed = seed;
        this.padId = padId;
    }

    /**
     * The order of {@code n} examples in {@code epoch}: a Fisher–Yates shuffle driven by {@link Random}, whose
     * sequence Java specifies exactly, seeded from (seed, epoch) so every epoch has its own order.
     */
    public static int[] order(int n, long seed, int epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Random rnd = new Random(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The packed rows of one epoch. */
    public List<PackedRow> epochRows(int e) {
        if (e != epoch) {
            int[] order = order(data.examples().size(), seed, e);
            List<TokenizedExample> shuffled = new ArrayList<>(order.length);
            for (int i : order) shuffled.add(data.examples().get(i));
            rows = Packer.pack(shuffled, seqLen, padId);
            epoch = e;
        }
        return rows;
    }

    public Position position() {
        return position;
    }

    public void seek(Position p) {
        if (p.row() > epochRows(p.epoch()).size()) {
            throw new IllegalArgumentException("row " + p.row() + " is past the " + rows.size() + " rows of epoch " + p.epoch());
        }
        position = p;
    }

    /** The next {@code count} rows, running on into the next epoch when this one ends. */
    public List<PackedRow> next(int count) {
        List<PackedRow> out = new ArrayList<>(count);
        while (out.size() < count) {
            List<PackedRow> r = epochRows(position.epoch());
            if (position.row() >= r.size()) {
                position = new Position(position.epoch() + 1, 0);
                continue;
            }
            out.add(r.get(position.row()));
            position = new Position(position.epoch(), position.row() + 1);
        }
        return out;
    }

    /** Optimiser steps that {@code epochs} whole epochs take at {@code rowsPerStep} rows each (the last may be partial). */
    public int stepsFor(int epochs, int rowsPerStep) {
        long rowsTotal = 0;
        for (int e = 0; e < epochs; e++) rowsTotal += epochRows(e).size();
        return (int) Math.max(1, (rowsTotal + rowsPerStep - 1) / rowsPerStep);
    }
}
