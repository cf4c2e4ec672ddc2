package io.srm4j.eval.generation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one seam through which evaluation gets completions: the local runtime, or a remote server (vLLM,
 * llama.cpp server, Ollama) behind the same interface.
 *
 * <p>One call generates all samples of a request (backends batch them however suits them) and hands each sample
 * to {@code sink} as soon as it is finished, so the caller can persist it before the others complete. Each index
 * in {@code [0, request.n())} must be delivered exactly once; order is free. Implementations are called from one
 * thread at a time by the runner.
 */
public interface Generator {

    /** Receives finished samples; {@code index} is the position in {@link GenerationRequest#sampleSeeds()}. */
    @FunctionalInterface
    interface SampleSink {
        void accept(int index, Completion completion) throws IOException;
    }

    void generate(GenerationRequest request, SampleSink sink) throws IOException;

    /**
     * What produces the completions (model file and its digest, backend, template…). Stored in a run's
     * configuration, so a run is never resumed with a different model.
     */
    String describe();

    /** Generates all samples and returns them in request order. */
    default List<Completion> generateAll(GenerationRequest request) throws IOException {
        Completion[] out = new Completion[request.n()];
        generate(request, (index, completion) -> {
            if (index < 0 || index >= out.length) {
                throw new IllegalStateException(describe() + " delivered sample index " + index + " of " + out.length);
            }
            if (out[index] != null) throw new IllegalStateException(describe() + " delivered sample " + index + " twice");
            out[index] = completion;
        });
        List<Completion> list = new ArrayList<>(Arrays.asList(out));
        if (list.contains(null)) {
            throw new IllegalStateException(describe() + " returned without delivering every sample of the request");
        }
        return list;
    }
}
