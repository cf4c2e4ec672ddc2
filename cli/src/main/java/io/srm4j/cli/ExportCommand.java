package io.srm4j.cli;

import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.train.export.ExportSource;
import io.srm4j.train.export.GgufExport;
import io.srm4j.train.export.HuggingFaceExport;
import io.srm4j.train.export.Safetensors;
import io.srm4j.train.export.WeightType;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;
import io.srm4j.train.optim.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "export", description = {
        "Convert a GGUF model, or a training checkpoint, to GGUF in another weight type or to a Hugging Face folder.",
        "  gguf: --type f32|f16|bf16|q8_0|q4_0|q6_k (norms stay F32; llama.cpp's rules pick the output layer's type)",
        "  safetensors: --out is a folder: model.safetensors, config.json, generation_config.json, tokenizer files; --type f32|f16|bf16"})
final class ExportCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true,
            description = "GGUF model to convert; with --checkpoint, the model the checkpoint was trained from (its shape and tokenizer)")
    Path model;

    @Option(names = "--checkpoint", description = "training checkpoint (Checkpoint.save) whose weights to export")
    Path checkpoint;

    @Option(names = {"-o", "--out"}, required = true, description = "output file (gguf) or folder (safetensors)")
    Path out;

    @Option(names = "--format", defaultValue = "gguf", description = "gguf or safetensors (default ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--type", defaultValue = "f32", description = "weight type (default ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--name", description = "general.name of an exported checkpoint (default: the checkpoint's file name)")
    String name;

    @Override
    public Integer call() throws Exception {
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("gguf") && !fmt.equals("safetensors")) throw new IllegalArgumentException("--format must be gguf or safetensors, not '" + format + "'");
        // parse first, so a typo fails before any work
        WeightType ggufType = fmt.equals("gguf") ? WeightType.parse(type) : null;
        Safetensors.Dtype dtype = fmt.equals("safetensors") ? Safetensors.Dtype.parse(type) : null;
        if (!Files.isRegularFile(model)) throw new java.nio.file.NoSuchFileException(model.toString());
        if (checkpoint != null && !Files.isRegularFile(checkpoint)) throw new java.nio.file.NoSuchFileException(checkpoint.toString());
        if (fmt.equals("gguf") && Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a folder; gguf export writes one file");
        if (fmt.equals("safetensors") && Files.exists(out) && !Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a file; safetensors export writes a folder");
        if (out.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize())) throw new IllegalArgumentException("--out must differ from --model");

        long start = System.nanoTime();
        try (GgufFile f = GgufFile.open(model)) {
            ExportSource source;
            if (checkpoint != null) {
                TransformerModel m = TransformerModel.fromGguf(f);
                int step = Checkpoint.restore(m, new AdamW(m.parameters(), AdamW.Settings.defaults()), checkpoint);
                String label = name != null ? name : checkpoint.getFileName().toString().replaceFirst("\\.gguf$", "");
                System.err.printf("checkpoint %s: step %d, %d tensors%n", checkpoint, step, m.parameters().size());
                source = ExportSource.of(m, f.metadata(), label);
            } else {
                source = ExportSource.of(f);
            }
            List<Path> written;
            if (ggufType != null) {
                Path parent = out.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                GgufExport.write(source, ggufType, out);
                written = List.of(out);
            } else {
                written = HuggingFaceExport.write(source, dtype, out);
            }
            var c = source.config();
            System.out.printf("exported %s (%s, %d layers, dim %d, vocab %d) as %s %s in %.1f s:%n", model.getFileName(), c.architecture(),
                    c.layers(), c.embeddingLength(), c.vocabSize(), fmt, type.toLowerCase(Locale.ROOT), (System.nanoTime() - start) / 1e9);
            for (Path p : written) {
                long size = Files.size(p);
                System.out.printf("  %s  %s%n", p, size < 1 << 20 ? String.format("%.1f KiB", size / 1024.0) : String.format("%.1f MiB", size / 1048576.0));
            }
        }
        return 0;
    }
}
