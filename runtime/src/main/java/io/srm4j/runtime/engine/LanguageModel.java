package io.srm4j.runtime.engine;

import io.srm4j.runtime.chat.ChatMessage;
import io.srm4j.runtime.chat.ChatTemplate;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.model.KvCache;
import io.srm4j.runtime.model.ModelConfig;
import io.srm4j.runtime.model.Transformer;
import io.srm4j.runtime.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A GGUF model ready to run: the transformer, its tokenizer and chat template. The weights stay memory-mapped;
 * close the model to unmap them. Sessions (one per sequence) hold the per-sequence state.
 */
public final class LanguageModel implements AutoCloseable {
    private final GgufFile file;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final long loadNanos;
    private volatile ChatTemplate chatTemplate;

    private LanguageModel(GgufFile file, Transformer transformer, Tokenizer tokenizer, long loadNanos) {
        this.file = file;
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.loadNanos = loadNanos;
    }

    public static LanguageModel load(Path path) throws IOException {
        long t0 = System.nanoTime();
        GgufFile file = GgufFile.open(path);
        try {
            Transformer tf = Transformer.fromGguf(file);
            Tokenizer tok = Tokenizer.fromGguf(file.metadata());
            if (tok.vocabSize() > tf.config().vocabSize()) {
                throw new io.srm4j.runtime.gguf.GgufFormatException(path + ": the tokenizer has " + tok.vocabSize()
                        + " tokens but the embedding only " + tf.config().vocabSize() + " rows");
            }
            return new LanguageModel(file, tf, tok, System.nanoTime() - t0);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public GgufFile file() {
        return file;
    }

    public Transformer transformer() {
        return transformer;
    }

    public ModelConfig config() {
        return transformer.config();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public long loadNanos() {
        return loadNanos;
    }

    /** A new sequence with room for {@code contextSize} tokens (capped at the model's trained context). */
    public Session newSession(int contextSize) {
        return newSession(contextSize, KvCache.Precision.F16);
    }

    public Session newSession(int contextSize, KvCache.Precision precision) {
        int ctx = contextSize <= 0 ? config().contextLength() : Math.min(contextSize, config().contextLength());
        return new Session(this, new KvCache(config(), ctx, precision));
    }

    /** The model's own chat template ({@code tokenizer.chat_template}), or ChatML when it has none. */
    public ChatTemplate chatTemplate() {
        ChatTemplate t = chatTemplate;
        if (t == null) chatTemplate = t = ChatTemplate.fromGguf(file.metadata(), null);
        return t;
    }

    /** Uses another template (e.g. a Jinja file given by the user) for chat prompts. */
    public void setChatTemplate(ChatTemplate template) {
        this.chatTemplate = template;
    }

    /**
     * Renders a conversation through the chat template, ending with the assistant's header, and tokenizes it as
     * Hugging Face does for templated text: special tokens parsed, no BOS added beyond what the template writes.
     */
    public int[] tokenizeChat(List<ChatMessage> messages, Map<String, Object> templateArgs) {
        return tokenizeTemplated(renderChat(messages, templateArgs));
    }

    /** Token ids of text a chat template rendered (it already holds any BOS the model wants; special tokens parsed). */
    public int[] tokenizeTemplated(String renderedPrompt) {
        return tokenizer.encode(renderedPrompt, false, true);
    }

    /** The prompt text a conversation renders to. */
    public String renderChat(List<ChatMessage> messages, Map<String, Object> templateArgs) {
        return chatTemplate().render(messages, true, templateArgs);
    }

    /** Token ids of a raw prompt, with BOS as the model's metadata says (as llama.cpp does for raw prompts). */
    public int[] tokenizePrompt(String text) {
        return tokenizer.encode(text, true, true);
    }

    @Override
    public void close() {
        file.close();
    }
}
