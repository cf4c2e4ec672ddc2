package io.srm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.tensor.GgmlType;
import io.srm4j.train.model.TransformerModel;
import io.srm4j.train.optim.AdamW;
import io.srm4j.train.optim.Checkpoint;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code srm4j export} in-process on the tiny real model in ../shared. */
class ExportCommandTest {
    private static Path stories;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findModel() {
        String prop = System.getProperty("srm4j.shared");
        Path p = prop == null ? null : Path.of(prop, "models", "tiny", "stories260K.gguf");
        Assumptions.assumeTrue(p != null && Files.isRegularFile(p), "../shared/models/tiny/stories260K.gguf not found");
        stories = p;
    }

    record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void ggufToQ8_0AndToSafetensors() throws Exception {
        Path q8 = tmp.resolve("q8.gguf");
        Result r = run("export", "--model", stories.toString(), "--out", q8.toString(), "--type", "q8_0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("exported stories260K.gguf (llama, 5 layers, dim 64, vocab 512) as gguf q8_0"), r.out());
        try (GgufFile f = GgufFile.open(q8)) {
            assertEquals(GgmlType.Q8_0, f.tensor("blk.0.attn_q.weight").type());
            assertEquals(GgmlType.F32, f.tensor("blk.0.attn_norm.weight").type());
            assertEquals(7, f.metadata().requireInt("general.file_type"));
            assertTrue(f.metadata().contains("tokenizer.ggml.tokens"));
        }
        Path hf = tmp.resolve("hf");
        r = run("export", "-m", stories.toString(), "-o", hf.toString(), "--format", "safetensors", "--type", "bf16");
        assertEquals(0, r.exit(), r.err());
        var config = new ObjectMapper().readTree(hf.resolve("config.json").toFile());
        assertEquals("LlamaForCausalLM", config.get("architectures").get(0).asText());
        assertEquals("bfloat16", config.get("torch_dtype").asText());
        for (String f : new String[]{"model.safetensors", "generation_config.json", "tokenizer.json", "tokenizer_config.json"}) {
            assertTrue(Files.isRegularFile(hf.resolve(f)), f);
        }
    }

    @Test
    void checkpointExportsItsOwnWeights() throws Exception {
        Path ckpt = tmp.resolve("step.ckpt.gguf");
        float changed;
        try (GgufFile f = GgufFile.open(stories)) {
            TransformerModel m = TransformerModel.fromGguf(f);
            float[] w = m.block(2).wUp().data();
            w[7] += 0.5f; // what training would do: the export must carry it
            changed = w[7];
            Checkpoint.save(m, new AdamW(m.parameters(), AdamW.Settings.defaults()), ckpt);
        }
        Path out = tmp.resolve("tuned.gguf");
        Result r = run("export", "--checkpoint", ckpt.toString(), "--model", stories.toString(), "--out", out.toString(), "--name", "tuned");
        assertEquals(0, r.exit(), r.err());
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals("tuned", f.metadata().requireString("general.name"));
            assertEquals(changed, TransformerModel.fromGguf(f).block(2).wUp().data()[7]);
        }
    }

    @Test
    void badInputGetsOneClearLine() throws Exception {
        String m = stories.toString(), o = tmp.resolve("x.gguf").toString();
        Result r = run("export", "-m", m, "-o", o, "--type", "q3_k");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("unknown weight type 'q3_k'") && r.err().contains("q8_0"), r.err());
        r = run("export", "-m", m, "-o", o, "--format", "onnx");
        assertTrue(r.exit() == 1 && r.err().contains("--format must be gguf or safetensors"), r.err());
        r = run("export", "-m", m, "-o", tmp.resolve("hf").toString(), "--format", "safetensors", "--type", "q8_0");
        assertTrue(r.exit() == 1 && r.err().contains("f32, f16 or bf16"), r.err());
        r = run("export", "-m", tmp.resolve("missing.gguf").toString(), "-o", o);
        assertTrue(r.exit() == 1 && r.err().contains("no such file"), r.err());
        r = run("export", "-m", m, "-o", tmp.toString());
        assertTrue(r.exit() == 1 && r.err().contains("is a folder"), r.err());
        Path notGguf = tmp.resolve("junk.gguf");
        Files.writeString(notGguf, "not a model");
        r = run("export", "-m", notGguf.toString(), "-o", o);
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().startsWith("srm4j export: "), r.err());
        assertTrue(Files.notExists(tmp.resolve("x.gguf")), "nothing written on failure");
    }
}
