package io.srm4j.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LogLevel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;

import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Child-process side of {@link LlamaCppJava}: runs java-llama.cpp (de.kherud:llama:4.2.0) on one model and writes
 * JSON to the output file named by its second argument. It never closes the model and ends with {@link Runtime#halt}
 * because that library's close() and iterator can hang; a separate JVM also keeps its GGML_ASSERT aborts away from
 * the test JVM.
 *
 * <p>Arguments: REQUEST.json OUTPUT.json. Request: {"model", "threads", "contextSize",
 * "cases": [{"prompt": text} or {"tokens": [ids]}, "n", "ignoreEos"]}. Output: {"runtime", "loadMs",
 * "results": [{"text", "ms"}]} or {"error": message}.
 */
public final class LlamaCppJavaMain {
    private LlamaCppJavaMain() {}

    public static void main(String[] args) {
        int status = 0;
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        try {
            JsonNode req = json.readTree(Files.readString(Path.of(args[0])));
            // Native logs go to stderr, never into the result.
            LlamaModel.setLogger(LogFormat.TEXT, (level, msg) -> {
                if (level == LogLevel.ERROR || level == LogLevel.WARN) System.err.print(msg);
            });
            long t0 = System.nanoTime();
            int threads = req.path("threads").asInt(2);
            ModelParameters mp = new ModelParameters()
                    .setModel(req.get("model").asText())
                    .setCtxSize(req.path("contextSize").asInt(1024))
                    .setThreads(threads)
                    .setThreadsBatch(threads)
                    .setGpuLayers(0);
            LlamaModel model = new LlamaModel(mp);
            out.put("runtime", "java-llama.cpp de.kherud:llama:4.2.0 (llama.cpp b4916)");
            out.put("loadMs", (System.nanoTime() - t0) / 1_000_000);
            ArrayNode results = out.putArray("results");
            for (JsonNode c : req.get("cases")) {
                long s = System.nanoTime();
                InferenceParameters ip = new InferenceParameters(c.path("prompt").asText(""))
                        .setNPredict(c.get("n").asInt())
                        .setTemperature(0f)
                        .setTopK(1)
                        .setRepeatPenalty(1f)
                        .setRepeatLastN(0)
                        .setSeed(42)
                        .setCachePrompt(false)
                        .setIgnoreEos(c.path("ignoreEos").asBoolean(false));
                if (c.has("tokens")) setRawPrompt(ip, c.get("tokens").toString());
                String text = model.complete(ip);
                ObjectNode r = results.addObject();
                r.put("text", text);
                r.put("ms", (System.nanoTime() - s) / 1_000_000);
            }
        } catch (Throwable e) {
            out.removeAll();
            out.put("error", e.toString());
            status = 1;
        }
        try {
            Files.writeString(Path.of(args[1]), json.writeValueAsString(out), StandardCharsets.UTF_8);
        } catch (Throwable e) {
            e.printStackTrace(new PrintStream(System.err));
            status = 2;
        }
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }

    /**
     * The server inside java-llama.cpp accepts a prompt given as a JSON array of token ids, but 4.2.0's API only
     * takes text; its parameters are a package-private map of raw JSON values, set here so that callers can pass
     * exactly the ids llama.cpp should evaluate (no tokenizer, no implicit BOS).
     */
    @SuppressWarnings("unchecked")
    private static void setRawPrompt(InferenceParameters ip, String jsonArray) throws ReflectiveOperationException {
        Field f = ip.getClass().getSuperclass().getDeclaredField("parameters");
        f.setAccessible(true);
        ((Map<String, String>) f.get(ip)).put("prompt", jsonArray);
    }
}
