package io.srm4j.train.model;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufFormatException;
import io.srm4j.runtime.model.ModelConfig;
import io.srm4j.runtime.model.RopeScaling;
import io.srm4j.runtime.model.Transformer;
import io.srm4j.runtime.model.TransformerWeights;
import io.srm4j.runtime.tensor.Matrix;
import io.srm4j.train.autograd.Attention;
import io.srm4j.train.autograd.CrossEntropy;
import io.srm4j.train.autograd.Elementwise;
import io.srm4j.train.autograd.Embedding;
import io.srm4j.train.autograd.Linear;
import io.srm4j.train.autograd.MatMulKernel;
import io.srm4j.train.autograd.PackedAttention;
import io.srm4j.train.autograd.PackedRope;
import io.srm4j.train.autograd.RmsNorm;
import io.srm4j.train.autograd.Rope;
import io.srm4j.train.autograd.Tape;
import io.srm4j.train.autograd.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The runtime's transformer with a backward pass: token embedding, per layer pre-norm GQA attention with RoPE and a
 * pre-norm SwiGLU feed-forward, each added to the residual stream, a final RMSNorm and an output layer tied to the
 * embedding (or a separate output.weight when loaded from a file that has one). Works on {@code batch} sequences of {@code seqLen} tokens at once, all starting at position 0.
 */
public final class TransformerModel implements Module {
    /** One decoder block's weights, [out][in] like the runtime. */
    public record Block(Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                        Tensor ffnNorm, Tensor wGate, Tensor wUp, Tensor wDown) {}

    private final TransformerConfig config;
    private final Tensor tokenEmbedding;
    private final Block[] blocks;
    private final Tensor outputNorm;
    private final Tensor output; // null: tied to the token embedding
    private final List<Parameter> parameters;
    private final Rope.Table rope;
    private final Attention.Shape attentionShape;
    private MatMulKernel kernel = MatMulKernel.defaultKernel();

    private TransformerModel(TransformerConfig c, Tensor embedding, Block[] blocks, Tensor outputNorm, Tensor output) {
        this.config = c;
        this.tokenEmbedding = embedding;
        this.blocks = blocks;
        this.outputNorm = outputNorm;
        this.output = output;
        List<Parameter> ps = new ArrayList<>();
        ps.add(Parameter.of("token_embd.weight", embedding));
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            String p = "blk." + l + ".";
            ps.add(Parameter.of(p + "attn_norm.weight", b.attnNorm()));
            ps.add(Parameter.of(p + "attn_q.weight", b.wq()));
            ps.add(Parameter.of(p + "attn_k.weight", b.wk()));
            ps.add(Parameter.of(p + "attn_v.weight", b.wv()));
            ps.add(Parameter.of(p + "attn_output.weight", b.wo()));
            ps.add(Parameter.of(p + "ffn_norm.weight", b.ffnNorm()));
            ps.add(Parameter.of(p + "ffn_gate.weight", b.wGate()));
            ps.add(Parameter.of(p + "ffn_up.weight", b.wUp()));
            ps.add(Parameter.of(p + "ffn_down.weight", b.wDown()));
        }
        ps.add(Parameter.of("output_norm.weight", outputNorm));
        if (output != null) ps.add(Parameter.of("output.weight", output));
        this.parameters = Collections.unmodifiableList(ps);
        this.rope = Rope.Table.of(c.context(), c.headDim(), c.ropeTheta());
        this.attentionShape = new Attention.Shape(c.heads(), c.kvHeads(), c.headDim(), c.headDim());
    }

    /**
     * A freshly initialised model: matrices from N(0, 0.02²), the two projections that write into the residual
     * stream (attention output, feed-forward down) scaled by 1/√(2·layers) so the stream's variance does not grow
     * with depth (GPT-2's rule), norm weights 1.
     */
    public static TransformerModel create(TransformerConfig c, long seed) {
        Random rnd = new Random(seed);
        float std = 0.02f, residualStd = (float) (0.02 / Math.sqrt(2.0 * c.layers()));
        int d = c.dim(), q = c.heads() * c.headDim(), kv = c.kvDim(), f = c.ffn();
        Tensor embedding = normal(rnd, std, c.vocab(), d);
        Block[] blocks = new Block[c.layers()];
        for (int l = 0; l < blocks.length; l++) {
            blocks[l] = new Block(ones(d), normal(rnd, std, q, d), normal(rnd, std, kv, d), normal(rnd, std, kv, d),
                    normal(rnd, residualStd, d, q), ones(d), normal(rnd, std, f, d), normal(rnd, std, f, d),
                    normal(rnd, residualStd, d, f));
        }
        return new TransformerModel(c, embedding, blocks, ones(d), null);
    }

    /**
     * The model in a GGUF file of the family this class implements (Llama-style: no biases, no q/k norms, RoPE over
     * the whole head without scaling), in any tensor type the runtime reads, dequantised to float for training.
     * The output layer stays tied when the file has no output.weight.
     */
    public static TransformerModel fromGguf(GgufFile file) throws GgufFormatException {
        Transformer rt = Transformer.fromGguf(file);
        ModelConfig mc = rt.config();
        TransformerWeights w = rt.weights();
        String where = file.path() + ": ";
        if (mc.headDim() * mc.heads() != mc.embeddingLength() || mc.valueDim() != mc.headDim()) {
            throw new GgufFormatException(where + "head dimensions " + mc.headDim() + "/" + mc.valueDim() + " differ from embedding/heads; training supports only dim = heads·headDim");
        }
        if (mc.ropeDims() != mc.headDim()) throw new GgufFormatException(where + "partial RoPE (" + mc.ropeDims() + " of " + mc.headDim() + " dimensions) is not supported for training");
        if (mc.ropeScaling().type() != RopeScaling.Type.NONE || w.ropeFreqFactors() != null) throw new GgufFormatException(where + "RoPE scaling is not supported for training");
        for (TransformerWeights.Layer L : w.layers()) {
            // all-zero biases are what export writes for qwen2 (llama.cpp's qwen2 loader requires them): nothing to train
            if (!allZero(L.bq()) || !allZero(L.bk()) || !allZero(L.bv())) throw new GgufFormatException(where + "attention biases (Qwen2) are not supported for training yet");
            if (L.qNorm() != null || L.kNorm() != null) throw new GgufFormatException(where + "q/k norms (Qwen3) are not supported for training yet");
        }
        TransformerConfig c = new TransformerConfig(mc.embeddingLength(), mc.layers(), mc.heads(), mc.kvHeads(),
                mc.feedForwardLength(), mc.vocabSize(), mc.contextLength(), mc.ropeTheta(), mc.rmsNormEps(), mc.ropeNeox());
        Block[] blocks = new Block[c.layers()];
        for (int l = 0; l < blocks.length; l++) {
            TransformerWeights.Layer L = w.layers()[l];
            blocks[l] = new Block(vector(L.attnNorm()), matrix(L.wq()), matrix(L.wk()), matrix(L.wv()), matrix(L.wo()),
                    vector(L.ffnNorm()), matrix(L.wGate()), matrix(L.wUp()), matrix(L.wDown()));
        }
        Tensor output = w.output() == w.tokenEmbedding() ? null : matrix(w.output());
        return new TransformerModel(c, matrix(w.tokenEmbedding()), blocks, vector(w.outputNorm()), output);
    }

    private static Tensor matrix(Matrix m) {
        float[] v = new float[Math.multiplyExact(m.rows(), m.cols())];
        for (int r = 0; r < m.rows(); r++) m.dequantizeRow(r, v, r * m.cols());
        return Tensor.param(v, m.rows(), m.cols());
    }

    private static boolean allZero(float[] v) {
        if (v == null) return true;
        for (float x : v) if (x != 0) return false;
        return true;
    }

    private static Tensor vector(float[] v) {
        return Tensor.param(v.clone(), v.length);
    }

    private static Tensor normal(Random rnd, float std, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * std);
        return Tensor.param(v, rows, cols);
    }

    private static Tensor ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return Tensor.param(v, n);
    }

    public TransformerConfig config() {
        return config;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    public Tensor tokenEmbedding() {
        return tokenEmbedding;
    }

    public Block block(int layer) {
        return blocks[layer];
    }

    public Tensor outputNorm() {
        return outputNorm;
    }

    /** Whether the output layer is the token embedding (no separate output.weight). */
    public boolean tiedOutput() {
        return output == null;
    }

    /** Swaps the matrix kernel (e.g. the scalar reference in tests). */
    public TransformerModel withKernel(MatMulKernel kernel) {
        this.kernel = kernel;
        return this;
    }

    /**
     * Logits [batch·seqLen, vocab] for {@code tokens} laid out as {@code batch} rows of {@code seqLen}.
     */
    public Tensor forward(Tape tape, int[] tokens, int batch, int seqLen) {
        return forward(tape, tokens, null, batch, seqLen);
    }

    /**
     * Logits for packed rows: {@code positions[i]} is token i's position inside its own document (0 where a
     * document starts), so each document gets RoPE from position 0 and attends only to itself, exactly as if it
     * ran alone. Null positions mean one document per row ({@link #forward(Tape, int[], int, int)}).
     */
    public Tensor forward(Tape tape, int[] tokens, int[] positions, int batch, int seqLen) {
        if (batch <= 0 || seqLen <= 0 || tokens.length != batch * seqLen) {
            throw new IllegalArgumentException(tokens.length + " tokens do not form " + batch + " sequences of " + seqLen);
        }
        if (seqLen > config.context()) throw new IllegalArgumentException("sequence of " + seqLen + " exceeds the context of " + config.context());
        if (positions != null) PackedAttention.checkPositions(positions, tokens.length, seqLen);
        TransformerConfig c = config;
        Tensor x = Embedding.apply(tape, tokenEmbedding, tokens);
        for (Block b : blocks) {
            Tensor h = RmsNorm.apply(tape, x, b.attnNorm(), c.eps());
            Tensor q = Linear.apply(tape, h, b.wq(), kernel), k = Linear.apply(tape, h, b.wk(), kernel);
            Tensor v = Linear.apply(tape, h, b.wv(), kernel);
            Tensor att;
            if (positions == null) {
                q = Rope.apply(tape, q, rope, c.heads(), c.headDim(), seqLen, c.ropeNeox());
                k = Rope.apply(tape, k, rope, c.kvHeads(), c.headDim(), seqLen, c.ropeNeox());
                att = Attention.apply(tape, q, k, v, attentionShape, seqLen, kernel);
            } else {
                q = PackedRope.apply(tape, q, rope, c.heads(), c.headDim(), positions, c.ropeNeox());
                k = PackedRope.apply(tape, k, rope, c.kvHeads(), c.headDim(), positions, c.ropeNeox());
                att = PackedAttention.apply(tape, q, k, v, attentionShape, seqLen, positions);
            }
            x = Elementwise.add(tape, x, Linear.apply(tape, att, b.wo(), kernel));

            h = RmsNorm.apply(tape, x, b.ffnNorm(), c.eps());
            Tensor gate = Linear.apply(tape, h, b.wGate(), kernel);
            Tensor up = Linear.apply(tape, h, b.wUp(), kernel);
            x = Elementwise.add(tape, x, Linear.apply(tape, Elementwise.swiglu(tape, gate, up), b.wDown(), kernel));
        }
        Tensor h = RmsNorm.apply(tape, x, outputNorm, c.eps());
        return Linear.apply(tape, h, output != null ? output : tokenEmbedding, kernel);
    }

    /**
     * Mean next-token cross-entropy: {@code targets[i]} is the token expected after {@code tokens[i]}, or
     * {@link CrossEntropy#IGNORE} where no loss is wanted (prompt, padding).
     */
    public Tensor loss(Tape tape, int[] tokens, int[] targets, int batch, int seqLen) {
        return CrossEntropy.apply(tape, forward(tape, tokens, batch, seqLen), targets);
    }

    /** Mean next-token cross-entropy over packed rows (see {@link #forward(Tape, int[], int[], int, int)}). */
    public Tensor loss(Tape tape, int[] tokens, int[] positions, int[] targets, int batch, int seqLen) {
        return CrossEntropy.apply(tape, forward(tape, tokens, positions, batch, seqLen), targets);
    }

    public Tensor loss(Tape tape, TokenBatch b) {
        return loss(tape, b.tokens(), b.targets(), b.batch(), b.seqLen());
    }
}
