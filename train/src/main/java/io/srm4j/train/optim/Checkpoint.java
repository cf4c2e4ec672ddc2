package io.srm4j.train.optim;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.gguf.GgufTensorInfo;
import io.srm4j.runtime.gguf.GgufWriter;
import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.train.model.Module;
import io.srm4j.train.model.Parameter;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * Training state as a GGUF file (F32): every parameter under its own name, AdamW's moments as
 * {@code adamw.m.<name>} / {@code adamw.v.<name>}, and the optimiser step count in metadata. Restoring it into a
 * module of the same shape and continuing gives bit-identical parameters to never having stopped, provided the
 * caller replays the same data from {@link #step}. The file is written to a temporary sibling and moved into place,
 * so a kill mid-save leaves the previous checkpoint intact.
 */
public final class Checkpoint {
    public static final String STEP_KEY = "srm4j.train.step";

    private Checkpoint() {}

    public static void save(Module module, AdamW optimizer, Path path) throws IOException {
        save(module, optimizer, path, java.util.Map.of());
    }

    /**
     * Saves with the caller's own state as string metadata (data position, seed, settings), written in the same
     * file so it can never disagree with the weights; read it back through {@link GgufFile#metadata()}.
     */
    public static void save(Module module, AdamW optimizer, Path path, java.util.Map<String, String> metadata) throws IOException {
        GgufWriter w = new GgufWriter().putString("general.type", "srm4j-training-checkpoint")
                .putUInt32(STEP_KEY, optimizer.stepCount());
        metadata.forEach(w::putString);
        List<Parameter> ps = module.parameters();
        for (int i = 0; i < ps.size(); i++) {
            Parameter p = ps.get(i);
            long[] shape = {p.tensor().size()};
            w.addTensor(p.name(), shape, p.tensor().data());
            w.addTensor("adamw.m." + p.name(), shape, optimizer.firstMoment(i));
            w.addTensor("adamw.v." + p.name(), shape, optimizer.secondMoment(i));
        }
        w.write(path);
    }

    /**
     * Loads parameters and optimiser state saved by {@link #save} into {@code module} and {@code optimizer}
     * (which must have been built over {@code module.parameters()}).
     *
     * @return the optimiser step to continue from
     */
    public static int restore(Module module, AdamW optimizer, Path path) throws IOException {
        try (GgufFile f = GgufFile.open(path)) {
            int step = f.metadata().requireInt(STEP_KEY);
            List<Parameter> ps = module.parameters();
            for (Parameter p : ps) { // check everything first, so a mismatched file changes nothing
                for (String n : List.of(p.name(), "adamw.m." + p.name(), "adamw.v." + p.name())) check(f, n, p.tensor().size());
            }
            for (int i = 0; i < ps.size(); i++) {
                Parameter p = ps.get(i);
                read(f, p.name(), p.tensor().data());
                read(f, "adamw.m." + p.name(), optimizer.firstMoment(i));
                read(f, "adamw.v." + p.name(), optimizer.secondMoment(i));
            }
            optimizer.restoreStepCount(step);
            return step;
        }
    }

    private static GgufTensorInfo check(GgufFile f, String name, int size) throws GgufFormatException {
        GgufTensorInfo t = f.tensor(name);
        if (t == null) throw new GgufFormatException(f.path() + ": checkpoint has no tensor '" + name + "'");
        if (t.type() != GgmlType.F32 || t.elementCount() != size) {
            throw new GgufFormatException(f.path() + ": checkpoint tensor '" + name + "' is " + t.type() + " with "
                    + t.elementCount() + " values, the model needs F32 with " + size);
        }
        return t;
    }

    private static void read(GgufFile f, String name, float[] into) throws GgufFormatException {
        var seg = f.data(check(f, name, into.length));
        for (int i = 0; i < into.length; i++) into[i] = seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
    }
}
