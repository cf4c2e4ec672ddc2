package io.srm4j.train.autograd;

/** Row lookup {@code y[t] = table[ids[t]]}; backward scatters {@code dy[t]} back into row {@code ids[t]}. */
public final class Embedding {
    private Embedding() {}

    public static Tensor apply(Tape tape, Tensor table, int[] ids) {
        if (table.rank() != 2) throw new IllegalArgumentException("embedding table must be a matrix, got " + table);
        int vocab = table.dim(0), dim = table.dim(1);
        if (ids.length == 0) throw new IllegalArgumentException("no token ids");
        for (int id : ids) {
            if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
        }
        Tensor y = Tensor.result(tape, table.requiresGrad(), ids.length, dim);
        for (int t = 0; t < ids.length; t++) System.arraycopy(table.data(), ids[t] * dim, y.data(), t * dim, dim);
        if (tape.records(y)) {
            int[] saved = ids.clone();
            tape.record(() -> {
                float[] dy = y.grad(), dt = table.grad();
                for (int t = 0; t < saved.length; t++) {
                    int o = saved[t] * dim;
                    for (int i = 0; i < dim; i++) dt[o + i] += dy[t * dim + i];
                }
            });
        }
        return y;
    }
}
