package io.srm4j.train.model;

import java.util.List;

/** Something with named trainable parameters; optimisers, export and checkpoints work on this list only. */
public interface Module {
    /** The parameters in a fixed order (the order checkpoints and optimiser state use). */
    List<Parameter> parameters();

    default void zeroGrad() {
        for (Parameter p : parameters()) p.tensor().zeroGrad();
    }

    default long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.tensor().size();
        return n;
    }
}
