package io.srm4j.train.data;

import io.srm4j.runtime.chat.ChatMessage;
import io.srm4j.runtime.chat.ChatTemplate;
import io.srm4j.runtime.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns conversations into token ids through the model's own chat template, with the loss on assistant tokens only.
 *
 * <p>Assistant spans are found by rendering prefixes of the conversation: turn i starts where the conversation up
 * to it, rendered with the generation prompt, ends, and stops where the conversation through it ends (or, when the
 * template ends a final turn differently, such as Phi-3's extra end-of-text, where that rendering and the whole
 * conversation part). This holds only when the template has the <em>prefix property</em> (rendering more messages
 * only appends text, and the tokens of a prefix are a prefix of the tokens of the whole); every span is checked for
 * it, in text and in tokens.
 *
 * <p>Templates that break it (DeepSeek-R1's and QwQ's drop earlier reasoning from history and end the generation
 * prompt in {@code <think>}) fall back to what the model sees at inference: the prompt rendered with the generation
 * prompt, followed by the last assistant turn written as the model should write it (reasoning, answer, end of turn),
 * with the loss on that turn alone. {@link Encoded#fallbackReason()} says why.
 *
 * <p>Reasoning goes where the template puts {@code reasoning_content} (Qwen3) when it has such a slot, otherwise
 * inside {@code <think>…</think>} before the answer, as DeepSeek-R1 distills write it. Templated text is tokenized
 * with special tokens parsed and no BOS beyond what the template writes, as the runtime does for chat prompts.
 */
public final class ChatEncoder {
    public static final String THINK_OPEN = "<think>", THINK_CLOSE = "</think>";

    /** An encoded conversation; {@code fallbackReason} is null when every assistant turn was marked in place. */
    public record Encoded(TokenizedExample example, String fallbackReason) {}

    private final ChatTemplate template;
    private final Tokenizer tokenizer;
    private final Map<String, Object> templateArgs;
    private final boolean reasoningSlot;
    private final String endOfTurn;

    public ChatEncoder(ChatTemplate template, Tokenizer tokenizer, Map<String, Object> templateArgs) {
        this.template = Objects.requireNonNull(template, "template");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.templateArgs = templateArgs == null ? Map.of() : Map.copyOf(templateArgs);
        String answerProbe = "srm4j-answer-7f3a", reasoningProbe = "srm4j-reasoning-9c1e";
        List<ChatMessage> probe = List.of(ChatMessage.user("srm4j-question"), ChatMessage.assistant(answerProbe, reasoningProbe));
        String withReasoning = render(probe, false);
        this.reasoningSlot = withReasoning.contains(reasoningProbe);
        String plain = render(List.of(ChatMessage.user("srm4j-question"), ChatMessage.assistant(answerProbe)), false);
        int at = plain.lastIndexOf(answerProbe);
        if (at < 0) throw new DataException("the chat template does not write the assistant's content: it cannot be used for training");
        this.endOfTurn = plain.substring(at + answerProbe.length());
    }

    /** Whether the template renders {@code reasoning_content} itself (else reasoning goes inside think tags). */
    public boolean hasReasoningSlot() {
        return reasoningSlot;
    }

    /** What the template writes after an assistant's content (e.g. {@code <|im_end|>\n}). */
    public String endOfTurn() {
        return endOfTurn;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public int[] tokenize(String templated) {
        return tokenizer.encode(templated, false, true);
    }

    /** The text the model sees at inference for this conversation minus its last turn (the generation prompt included). */
    public String prompt(ChatExample ex) {
        List<ChatMessage> ms = toTemplate(ex);
        return render(ms.subList(0, ms.size() - 1), true, argsFor(ex));
    }

    public Encoded encode(ChatExample ex) {
        List<ChatMessage> ms = toTemplate(ex);
        Map<String, Object> args = argsFor(ex);
        String full = render(ms, false, args);
        int[] tokens = tokenize(full);
        boolean[] trained = new boolean[tokens.length];
        String problem = markInPlace(ex, ms, full, tokens, trained, args);
        if (problem == null) return new Encoded(new TokenizedExample(tokens, trained), null);
        return new Encoded(lastTurn(ex, ms, full, args), problem);
    }

    private List<ChatMessage> toTemplate(ChatExample ex) {
        List<ChatMessage> out = new ArrayList<>();
        for (ChatExample.Message m : ex.messages()) {
            if (m.reasoning() == null) out.add(new ChatMessage(m.role(), m.content()));
            else if (reasoningSlot) out.add(ChatMessage.assistant(m.content(), m.reasoning()));
            else out.add(ChatMessage.assistant(thinkWrapped(m.reasoning(), m.content())));
        }
        return out;
    }

    private static String thinkWrapped(String reasoning, String answer) {
        return THINK_OPEN + "\n" + reasoning + "\n" + THINK_CLOSE + "\n\n" + answer;
    }

    /** Marks every assistant turn's tokens, checking the prefix property; null when it holds, else what broke. */
    private String markInPlace(ChatExample ex, List<ChatMessage> ms, String full, int[] tokens, boolean[] trained, Map<String, Object> args) {
        for (int i = 0; i < ms.size(); i++) {
            if (!ms.get(i).role().equals("assistant")) continue;
            String before = render(ms.subList(0, i), true, args), through = render(ms.subList(0, i + 1), false, args);
            String turn = "assistant turn at message " + (i + 1);
            if (!through.startsWith(before)) return turn + ": the generation prompt is not a prefix of the rendered turn (the template changes the text before the answer)";
            if (!full.startsWith(before)) return turn + ": the template renders the conversation before it differently once later messages follow";
            ChatExample.Message m = ex.messages().get(i);
            // A turn may end differently as the last message (Phi-3 adds <|endoftext|>): it then ends where its own
            // rendering and the whole conversation's part, backed off a few characters to a token boundary.
            boolean endsAsRendered = full.startsWith(through);
            String endText = endsAsRendered ? through : full.substring(0, commonPrefix(through, full));
            int[] start = tokenize(before), end = tokenize(endText);
            for (int cut = 1; !endsAsRendered && !isPrefix(end, tokens) && cut <= 16 && endText.length() > before.length(); cut++) {
                endText = endText.substring(0, endText.length() - 1);
                end = tokenize(endText);
            }
            String span = endText.substring(Math.min(before.length(), endText.length()));
            if (!span.contains(m.content().strip())) {
                return turn + (endsAsRendered ? ": the rendered turn does not contain the answer text"
                        : ": the template renders it differently once later messages follow (e.g. drops its reasoning from history)");
            }
            if (m.reasoning() != null && !span.contains(m.reasoning().strip())) return turn + ": the template drops the reasoning (from history)";
            if (!isPrefix(start, tokens) || !isPrefix(end, tokens)) {
                return turn + ": the tokens of the prefix are not a prefix of the conversation's tokens (a token spans the boundary)";
            }
            Arrays.fill(trained, start.length, end.length, true);
        }
        return null;
    }

    /** The inference prompt followed by the last turn as the model should write it; loss on that turn only. */
    private TokenizedExample lastTurn(ChatExample ex, List<ChatMessage> ms, String full, Map<String, Object> args) {
        String prompt = render(ms.subList(0, ms.size() - 1), true, args);
        ChatExample.Message last = ex.messages().getLast();
        if (last.reasoning() != null && prompt.strip().endsWith(THINK_CLOSE)) {
            throw new DataException("the last turn has reasoning but the template's generation prompt already closes the think block (enable_thinking=false?)");
        }
        String completion;
        String templated = full.startsWith(prompt) ? full.substring(prompt.length()) : null;
        if (templated != null && templated.contains(last.content().strip())
                && (last.reasoning() == null || templated.contains(last.reasoning().strip()))) {
            completion = templated;
        } else if (template.endsInsideThink(prompt)) { // the prompt already opened the reasoning
            completion = (last.reasoning() == null ? "" : last.reasoning()) + "\n" + THINK_CLOSE + "\n\n" + last.content() + endOfTurn;
        } else {
            completion = (last.reasoning() == null ? last.content() : thinkWrapped(last.reasoning(), last.content())) + endOfTurn;
        }
        int[] promptTokens = tokenize(prompt), tokens = tokenize(prompt + completion);
        if (!isPrefix(promptTokens, tokens)) {
            // a token would span the end of the prompt ("<think>\n" + "\n</think>"): at inference the prompt is
            // tokenized alone and the model writes what follows, so learn exactly that
            int[] completionTokens = tokenize(completion);
            tokens = Arrays.copyOf(promptTokens, promptTokens.length + completionTokens.length);
            System.arraycopy(completionTokens, 0, tokens, promptTokens.length, completionTokens.length);
        }
        boolean[] trained = new boolean[tokens.length];
        Arrays.fill(trained, promptTokens.length, tokens.length, true);
        return new TokenizedExample(tokens, trained);
    }

    private String render(List<ChatMessage> ms, boolean addGenerationPrompt) {
        return render(ms, addGenerationPrompt, templateArgs);
    }

    private String render(List<ChatMessage> ms, boolean addGenerationPrompt, Map<String, Object> args) {
        return template.render(ms, addGenerationPrompt, args);
    }

    /**
     * The template arguments for one conversation: a conversation with reasoning turns thinking on
     * ({@code enable_thinking=true}) unless the caller set it, since templates such as the R1 distills' close the
     * think block in the generation prompt otherwise.
     */
    private Map<String, Object> argsFor(ChatExample ex) {
        if (templateArgs.containsKey("enable_thinking")) return templateArgs;
        for (ChatExample.Message m : ex.messages()) {
            if (m.reasoning() != null) {
                var args = new java.util.HashMap<>(templateArgs);
                args.put("enable_thinking", true);
                return args;
            }
        }
        return templateArgs;
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length()), i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) i++;
        return i;
    }

        private static boolean isPrefix(int[] prefix, int[] of) {
        return prefix.length <= of.length && Arrays.equals(prefix, 0, prefix.length, of, 0, prefix.length);
    }
}
