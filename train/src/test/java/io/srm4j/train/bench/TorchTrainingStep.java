package io.srm4j.train.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import io.srm4j.train.model.TransformerConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The probe's training step in PyTorch (libtorch through DJL, eager mode): the same transformer as
 * {@link io.srm4j.train.model.TransformerModel} built from tensor operations (tied embedding, RMSNorm, RoPE, grouped
 * KV heads with a causal mask, SwiGLU), cross-entropy, global-norm clipping at 1.0 and AdamW, so that the two
 * engines do the same arithmetic on the same shapes. It is the same-run anchor of {@link TrainingSideBySide}: its
 * numbers are only compared with srm4j's, never asserted.
 *
 * <p>Attention is written out as matrix products over the full square with an additive mask, as a user of eager
 * PyTorch without fused attention would; AdamW is in-place tensor arithmetic (DJL's optimizer allocates per step).
 */
final class TorchTrainingStep implements AutoCloseable {
    private static final float BETA1 = 0.9f, BETA2 = 0.95f, EPS = 1e-8f, WEIGHT_DECAY = 0.1f;

    private final TransformerConfig c;
    private final int batch, seq;
    private final NDManager manager;
    private final NDArray embedding, outputNorm, ids, labels, cos, sin, mask;
    private final List<NDArray[]> layers = new ArrayList<>(); // attnNorm, wq, wk, wv, wo, ffnNorm, gate, up, down
    private final List<NDArray> parameters = new ArrayList<>(), firstMoments = new ArrayList<>(), secondMoments = new ArrayList<>();
    private final SoftmaxCrossEntropyLoss crossEntropy = new SoftmaxCrossEntropyLoss();
    private int steps;

    TorchTrainingStep(TransformerConfig c, int[][] sequences) {
        this.c = c;
        this.batch = sequences.length;
        this.seq = sequences[0].length;
        this.manager = NDManager.newBaseManager("PyTorch");
        long[] inputs = new long[batch * seq], targets = new long[batch * seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                inputs[b * seq + t] = sequences[b][t];
                targets[b * seq + t] = t + 1 < seq ? sequences[b][t + 1] : sequences[b][0]; // srm4j ignores the last position's; one row in 256 more here
            }
        }
        ids = manager.create(inputs);
        labels = manager.create(targets);
        int half = c.headDim() / 2;
        float[] cs = new float[seq * half], sn = new float[seq * half];
        for (int t = 0; t < seq; t++) {
            for (int i = 0; i < half; i++) {
                double angle = t / Math.pow(c.ropeTheta(), 2.0 * i / c.headDim());
                cs[t * half + i] = (float) Math.cos(angle);
                sn[t * half + i] = (float) Math.sin(angle);
            }
        }
        cos = manager.create(cs, new Shape(seq, half));
        sin = manager.create(sn, new Shape(seq, half));
        float[] m = new float[seq * seq];
        for (int t = 0; t < seq; t++) for (int u = t + 1; u < seq; u++) m[t * seq + u] = -1e9f;
        mask = manager.create(m, new Shape(seq, seq));

        int d = c.dim(), q = c.heads() * c.headDim(), kv = c.kvDim(), f = c.ffn();
        embedding = parameter(c.vocab(), d);
        for (int l = 0; l < c.layers(); l++) {
            layers.add(new NDArray[] {ones(d), parameter(d, q), parameter(d, kv), parameter(d, kv), parameter(q, d),
                    ones(d), parameter(d, f), parameter(d, f), parameter(f, d)});
        }
        outputNorm = ones(d);
    }

    /** libtorch's intra-op threads, as it reports them. */
    static int threads() {
        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
    }

    long parameterCount() {
        return parameters.stream().mapToLong(NDArray::size).sum();
    }

    private NDArray parameter(int rows, int cols) { // stored [in, out] so a projection is x · W
        return register(manager.randomNormal(0f, 0.02f, new Shape(rows, cols), DataType.FLOAT32));
    }

    private NDArray ones(int n) {
        return register(manager.ones(new Shape(n)));
    }

    private NDArray register(NDArray p) {
        p.setRequiresGradient(true);
        parameters.add(p);
        firstMoments.add(p.zerosLike());
        secondMoments.add(p.zerosLike());
        return p;
    }

    /** One full step: forward, backward, clipping, AdamW. Returns the loss. */
    float step(float learningRate) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            float loss;
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray value = loss();
                collector.backward(value);
                loss = value.getFloat();
            }
            update(learningRate);
            return loss;
        }
    }

    private NDArray loss() {
        int h = c.heads(), kvh = c.kvHeads(), hd = c.headDim(), n = batch * seq;
        NDArray x = embedding.get(ids); // [n, d]
        for (NDArray[] w : layers) {
            NDArray a = rmsNorm(x, w[0]);
            NDArray q = rope(a.matMul(w[1]).reshape(batch, seq, h, hd).transpose(0, 2, 1, 3));
            NDArray k = rope(a.matMul(w[2]).reshape(batch, seq, kvh, hd).transpose(0, 2, 1, 3)).repeat(1, h / kvh);
            NDArray v = a.matMul(w[3]).reshape(batch, seq, kvh, hd).transpose(0, 2, 1, 3).repeat(1, h / kvh);
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(1.0 / Math.sqrt(hd)).add(mask);
            NDArray o = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(n, h * hd);
            x = x.add(o.matMul(w[4]));
            NDArray b = rmsNorm(x, w[5]);
            NDArray gate = b.matMul(w[6]);
            x = x.add(gate.mul(Activation.sigmoid(gate)).mul(b.matMul(w[7])).matMul(w[8]));
        }
        NDArray logits = rmsNorm(x, outputNorm).matMul(embedding.transpose()); // tied output
        return crossEntropy.evaluate(new NDList(labels), new NDList(logits));
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        return x.mul(x.square().mean(new int[] {-1}, true).add(c.eps()).pow(-0.5)).mul(weight);
    }

    /** Rotary embedding on [batch, heads, seq, headDim], the two halves of each head rotated as pairs. */
    private NDArray rope(NDArray x) {
        int half = c.headDim() / 2;
        NDArray x1 = x.get(new NDIndex("..., :" + half)), x2 = x.get(new NDIndex("..., " + half + ":"));
        return x1.mul(cos).sub(x2.mul(sin)).concat(x2.mul(cos).add(x1.mul(sin)), -1);
    }

    /** Global-norm clipping at 1.0, then AdamW; in place, with gradients recorded off (the collector is closed). */
    private void update(float learningRate) {
        steps++;
        List<NDArray> grads = new ArrayList<>();
        double squares = 0;
        for (NDArray p : parameters) {
            NDArray g = p.getGradient();
            grads.add(g);
            squares += g.square().sum().getFloat();
        }
        double norm = Math.sqrt(squares);
        float clip = norm > 1.0 ? (float) (1.0 / norm) : 1f;
        float correction1 = 1 - (float) Math.pow(BETA1, steps), correction2 = 1 - (float) Math.pow(BETA2, steps);
        for (int i = 0; i < parameters.size(); i++) {
            NDArray p = parameters.get(i), g = grads.get(i).muli(clip), m = firstMoments.get(i), v = secondMoments.get(i);
            m.muli(BETA1).addi(g.mul(1 - BETA1));
            v.muli(BETA2).addi(g.square().muli(1 - BETA2));
            NDArray stepSize = m.div(correction1).divi(v.div(correction2).sqrt().addi(EPS));
            if (p.getShape().dimension() > 1) p.muli(1 - learningRate * WEIGHT_DECAY); // no decay on norm gains
            p.subi(stepSize.muli(learningRate));
            g.muli(0f); // PyTorch accumulates into .grad
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
