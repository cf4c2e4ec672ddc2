package io.srm4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.runtime.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "tokenize", mixinStandardHelpOptions = true, description = {
        "Tokenize text with a GGUF model's tokenizer, exactly as llama.cpp does (a vocab-only GGUF is enough).",
        "Prints one JSON line {\"ids\":[...]} per input."})
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "GGUF file holding the tokenizer")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", description = "the text to tokenize")
        String text;

        @Option(names = "--jsonl", paramLabel = "FILE",
                description = "JSON Lines file ('-' for standard input); each line an object with a string field \"text\"")
        String jsonl;
    }

    @Option(names = "--add-bos", description = "add BOS (and EOS) where the model's metadata asks for them "
            + "(llama.cpp add_special); without it no BOS is added")
    boolean addBos;

    @Option(names = "--parse-special", description = "turn control-token text such as <|im_start|> into those tokens "
            + "(llama.cpp parse_special); without it such text is tokenized as plain text")
    boolean parseSpecial;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        if (input.jsonl != null && !input.jsonl.equals("-") && !Files.isRegularFile(Path.of(input.jsonl))) {
            throw new NoSuchFileException(input.jsonl); // before the (slower) model load
        }
        Tokenizer tokenizer = Tokenizer.fromGguf(model);
        PrintStream out = System.out;
        if (input.text != null) {
            out.println(idsLine(tokenizer.encode(input.text, addBos, parseSpecial)));
            out.flush();
            return 0;
        }
        boolean stdin = input.jsonl.equals("-");
        try (BufferedReader reader = stdin
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(input.jsonl), StandardCharsets.UTF_8)) {
            String name = stdin ? "standard input" : input.jsonl;
            int lineNo = 0;
            for (String line; (line = reader.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                out.println(idsLine(tokenizer.encode(textOf(line, lineNo, name), addBos, parseSpecial)));
            }
        }
        out.flush();
        return 0;
    }

    private static String textOf(String line, int lineNo, String name) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(name + " line " + lineNo + ": malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(name + " line " + lineNo + ": expected a JSON object with a string field \"text\"");
        }
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual()) {
            throw new IllegalArgumentException(name + " line " + lineNo + ": missing string field \"text\"");
        }
        return text.textValue();
    }

    private static String idsLine(int[] ids) throws JsonProcessingException {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode a = o.putArray("ids");
        for (int id : ids) a.add(id);
        return JSON.writeValueAsString(o);
    }
}
