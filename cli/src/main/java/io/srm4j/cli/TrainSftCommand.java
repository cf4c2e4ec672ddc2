package io.srm4j.cli;

import io.srm4j.runtime.chat.ChatTemplate;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.tokenizer.Tokenizer;
import io.srm4j.train.autograd.MatMulKernel;
import io.srm4j.train.autograd.ScalarMatMul;
import io.srm4j.train.data.ChatEncoder;
import io.srm4j.train.data.PackedStream;
import io.srm4j.train.data.SftDataset;
import io.srm4j.train.export.GgufExport;
import io.srm4j.train.model.TransformerConfig;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;
import io.srm4j.train.sft.SftOptions;
import io.srm4j.train.sft.SftTrainer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "sft", description = {
        "Supervised fine-tuning on chat JSONL ({\"messages\": [{\"role\", \"content\", optional \"reasoning_content\"}]}),",
        "rendered through the model's own chat template, loss on assistant tokens only, examples packed into rows.",
        "Writes checkpoint.gguf (rerun the same command to resume after a kill), loss.jsonl and, at the end, model.gguf."})
final class TrainSftCommand implements Callable<Integer> {
    static final class ModelSource {
        @Option(names = {"-m", "--model"}, required = true, description = "GGUF model to fine-tune")
        Path model;

        @Option(names = "--config", required = true, description = "a new model instead: dim=64,layers=2,heads=4,kv-heads=2,ffn=172,context=256[,rope-theta=10000,neox=false] (needs --tokenizer)")
        String config;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    ModelSource source;

    @Option(names = "--tokenizer", description = "with --config: a GGUF whose tokenizer (and chat template) the new model uses")
    Path tokenizerFile;

    @Option(names = "--init-seed", defaultValue = "0", description = "with --config: seed of the initial weights (default: ${DEFAULT-VALUE})")
    long initSeed;

    @Option(names = "--data", required = true, description = "training conversations (chat JSONL)")
    Path data;

    @Option(names = "--eval-data", description = "held-out conversations: mean loss per assistant token, logged")
    Path evalData;

    @Option(names = "--out", required = true, description = "run folder: checkpoint, loss log, exported model")
    Path out;

    @Option(names = "--steps", description = "optimiser steps (default: --epochs 1)")
    Integer steps;

    @Option(names = "--epochs", description = "passes over the data, each in its own seeded order")
    Integer epochs;

    @Option(names = "--seq-len", description = "tokens per packed row (default: the context, at most 1024)")
    Integer seqLen;

    @Option(names = "--batch-tokens", description = "tokens per optimiser step, rounded up to whole rows (default: 4 rows)")
    Integer batchTokens;

    @Option(names = "--lr", defaultValue = "3e-4", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    float lr;

    @Option(names = "--min-lr", description = "learning rate at the end of the cosine decay (default: lr/10)")
    Float minLr;

    @Option(names = "--warmup", description = "warm-up steps (default: 5% of the steps)")
    Integer warmup;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW weight decay on matrices (default: ${DEFAULT-VALUE})")
    float weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "gradient clipping by global norm (default: ${DEFAULT-VALUE})")
    double clip;

    @Option(names = "--seed", defaultValue = "0", description = "data-order seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--save-every", defaultValue = "50", description = "checkpoint every so many steps (default: ${DEFAULT-VALUE})")
    int saveEvery;

    @Option(names = "--eval-every", defaultValue = "0", description = "evaluate every so many steps (default: only at the end)")
    int evalEvery;

    @Option(names = "--overlong", defaultValue = "truncate", description = "conversations longer than a row: truncate or drop (default: ${DEFAULT-VALUE})")
    String overlong;

    @Option(names = "--template", description = "a Jinja chat template file to use instead of the model's (it is written into the exported model)")
    Path templateFile;

    @Option(names = "--enable-thinking", arity = "1", description = "chat template argument enable_thinking (default: true for conversations with reasoning)")
    Boolean enableThinking;

    @Option(names = "--kernel", defaultValue = "vector", description = "matrix kernel: vector or scalar (the plain reference) (default: ${DEFAULT-VALUE})")
    String kernel;

    @Option(names = "--log-every", defaultValue = "1", description = "print progress every so many steps (default: ${DEFAULT-VALUE})")
    int logEvery;

    @Override
    public Integer call() throws Exception {
        PrintStream o = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        GgufFile tokenizerSource = null, modelFile = null;
        try {
            TransformerModel model;
            String name;
            if (source.model != null) {
                modelFile = GgufFile.open(source.model);
                tokenizerSource = modelFile;
                model = TransformerModel.fromGguf(modelFile);
                name = modelFile.metadata().getString("general.name").orElse("model") + "-sft";
            } else {
                if (tokenizerFile == null) throw new IllegalArgumentException("--config needs --tokenizer (a GGUF holding the tokenizer to train with)");
                tokenizerSource = GgufFile.open(tokenizerFile);
                int vocab = tokenizerSource.metadata().getStringArray("tokenizer.ggml.tokens")
                        .orElseThrow(() -> new IllegalArgumentException(tokenizerFile + " has no tokenizer.ggml.tokens")).length;
                model = TransformerModel.create(parseConfig(source.config, vocab), initSeed);
                name = "srm4j-sft";
            }
            MatMulKernel k = switch (kernel) {
                case "vector" -> MatMulKernel.defaultKernel();
                case "scalar" -> ScalarMatMul.INSTANCE;
                default -> throw new IllegalArgumentException("--kernel must be vector or scalar, got " + kernel);
            };
            model.withKernel(k);
            GgufMetadata md = tokenizerSource.metadata();
            Tokenizer tokenizer = Tokenizer.fromGguf(md);
            ChatTemplate template = ChatTemplate.fromGguf(md, null);
            if (templateFile != null) template = ChatTemplate.of(Files.readString(templateFile), template.bosToken(), template.eosToken());
            if (template.isFallback()) o.println("(the model has no chat template; using ChatML)");
            Map<String, Object> args = new HashMap<>();
            if (enableThinking != null) args.put("enable_thinking", enableThinking);
            ChatEncoder encoder = new ChatEncoder(template, tokenizer, args);

            int len = seqLen != null ? seqLen : Math.min(model.config().context(), 1024);
            SftDataset.Overlong policy = switch (overlong) {
                case "truncate" -> SftDataset.Overlong.TRUNCATE;
                case "drop" -> SftDataset.Overlong.DROP;
                default -> throw new IllegalArgumentException("--overlong must be truncate or drop, got " + overlong);
            };
            SftDataset train = SftDataset.fromJsonl(data, encoder, len, policy);
            o.println("train: " + train.stats().summary());
            SftDataset eval = null;
            if (evalData != null) {
                eval = SftDataset.fromJsonl(evalData, encoder, len, policy);
                o.println("eval: " + eval.stats().summary());
            }
            int rows = batchTokens == null ? 4 : Math.max(1, (batchTokens + len - 1) / len);
            if (steps != null && epochs != null) throw new IllegalArgumentException("give --steps or --epochs, not both");
            int pad = tokenizer.paddingId() >= 0 ? tokenizer.paddingId() : Math.max(0, tokenizer.eosId());
            int total = steps != null ? steps
                    : new PackedStream(train, len, seed, pad).stepsFor(epochs == null ? 1 : epochs, rows);
            int warm = warmup != null ? warmup : Math.min(total - 1, Math.max(0, total / 20));
            AdamW.Settings adamw = new AdamW.Settings(0.9f, 0.95f, 1e-8f, weightDecay);
            SftOptions opts = new SftOptions(len, rows, steps != null ? steps : 0, steps != null ? 0 : (epochs == null ? 1 : epochs),
                    lr, minLr != null ? minLr : lr / 10, warm, seed, saveEvery, evalEvery, clip, adamw);
            SftTrainer trainer = new SftTrainer(model, train, eval, opts, pad);
            o.printf("model: %,d parameters; %d steps of %d rows × %d tokens%n", model.parameterCount(), trainer.totalSteps(), rows, len);
            SftTrainer.Result r = trainer.run(out, new SftTrainer.Listener() {
                @Override
                public void onResume(int step, int totalSteps) {
                    o.println("resuming from " + out.resolve(SftTrainer.CHECKPOINT) + " at step " + step + "/" + totalSteps);
                }

                @Override
                public void onStep(SftTrainer.StepReport s) {
                    if (s.step() % logEvery != 0 && s.step() != s.totalSteps()) return;
                    o.printf("step %d/%d  loss %.4f  lr %.2e  grad %.3f  %.0f tok/s  ETA %s  (epoch %d)%n", s.step(), s.totalSteps(), s.loss(),
                            s.learningRate(), s.gradNorm(), s.tokensPerSecond(), duration(s.etaSeconds()), s.position().epoch());
                }

                @Override
                public void onEval(int step, double loss) {
                    o.printf("step %d  eval loss %.4f%n", step, loss);
                }
            });
            Path exported = out.resolve("model.gguf");
            var writer = GgufExport.writer(model, md, name);
            if (templateFile != null) writer.putString(ChatTemplate.GGUF_TEMPLATE_KEY, template.source());
            writer.write(exported);
            o.printf("done: %d steps%s%s; model written to %s%n", r.steps(),
                    Double.isNaN(r.lastLoss()) ? "" : String.format(", last loss %.4f", r.lastLoss()),
                    Double.isNaN(r.evalLoss()) ? "" : String.format(", eval loss %.4f", r.evalLoss()), exported);
            return 0;
        } finally {
            if (modelFile != null) modelFile.close();
            else if (tokenizerSource != null) tokenizerSource.close();
        }
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) return "?";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }

    static TransformerConfig parseConfig(String spec, int vocab) {
        Map<String, String> kv = new HashMap<>();
        for (String part : spec.split(",")) {
            String[] p = part.split("=", 2);
            if (p.length != 2) throw new IllegalArgumentException("--config entry '" + part + "' is not key=value");
            kv.put(p[0].strip(), p[1].strip());
        }
        java.util.function.Function<String, Integer> need = key -> {
            String v = kv.remove(key);
            if (v == null) throw new IllegalArgumentException("--config needs " + key);
            return Integer.parseInt(v);
        };
        int dim = need.apply("dim"), layers = need.apply("layers"), heads = need.apply("heads");
        String kvh = kv.remove("kv-heads");
        int ffn = need.apply("ffn"), context = need.apply("context");
        float theta = Float.parseFloat(kv.getOrDefault("rope-theta", "10000"));
        boolean neox = Boolean.parseBoolean(kv.getOrDefault("neox", "false"));
        kv.remove("rope-theta");
        kv.remove("neox");
        if (!kv.isEmpty()) throw new IllegalArgumentException("--config has unknown keys " + kv.keySet());
        return new TransformerConfig(dim, layers, heads, kvh == null ? heads : Integer.parseInt(kvh), ffn, vocab, context, theta, 1e-5f, neox);
    }
}
