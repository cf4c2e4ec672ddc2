package io.srm4j.runtime.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufMetadata;
import io.srm4j.runtime.gguf.GgufValueType;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The jinja2 behaviours chat templates rely on, one at a time (expected values are what Python's jinja2 prints). */
class ChatTemplateTest {
    private static final List<ChatMessage> HELLO = List.of(ChatMessage.user("Hello"));

    /** Renders an expression-level snippet with {@code vars} bound. */
    private static String jinja(String template, Map<String, Object> vars) {
        return ChatTemplate.of(template, "<s>", "</s>").render(HELLO, false, vars);
    }

    private static String jinja(String template) {
        return jinja(template, Map.of());
    }

    @Test
    void pythonStringMethods() {
        assertEquals("['a', 'b.c']|['a.b', 'c']|['a', 'b']|c", jinja("{{ 'a.b.c'.split('.', 1) }}|{{ 'a.b.c'.rsplit('.', 1) }}|"
                + "{{ ' a  b '.split() }}|{{ 'x</think>c'.split('</think>')[-1] }}"));
        assertEquals("[x]|[x \u00a0]|[\u00a0 x]|[x]", jinja("[{{ '\u00a0 x \u00a0'.strip() }}]|[{{ '\u00a0 x \u00a0'.lstrip(' \u00a0') }}]|"
                + "[{{ '\u00a0 x \u00a0'.rstrip(' \u00a0') }}]|[{{ '\\n\\nx\\n'.strip('\\n') }}]"));
        assertEquals("True|False|True|True", jinja("{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith('b') }}|"
                + "{{ 'abc'.endswith(('x', 'c')) }}|{{ 'abc'.startswith('b', 1) }}"));
        assertEquals("xbcxbc|xbcabc|ABC|abc|Hello World|Hello world", jinja("{{ 'abcabc'.replace('a', 'x') }}|"
                + "{{ 'abcabc'.replace('a', 'x', 1) }}|{{ 'abc'.upper() }}|{{ 'ABC'.lower() }}|{{ 'hello wORLD'.title() }}|"
                + "{{ 'hello World'.capitalize() }}"));
        assertEquals("2|-1|2|a, b|1 and 2 or 2", jinja("{{ 'abcabc'.find('c') }}|{{ 'abc'.find('z') }}|"
                + "{{ 'abcabc'.count('bc') }}|{{ ', '.join(['a', 'b']) }}|{{ '{} and {x} or {x}'.format(1, x=2) }}"));
        assertEquals("a=1;b=2;|['a', 'b']|[1, 2]|1|d", jinja("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}|"
                + "{{ {'a': 1, 'b': 2}.keys() }}|{{ {'a': 1, 'b': 2}.values() }}|{{ {'a': 1}.get('a') }}|{{ {'a': 1}.get('z', 'd') }}"));
    }

    @Test
    void mutatingMethodsAreRefusedAsInTheImmutableSandbox() {
        TemplateException e = assertThrows(TemplateException.class, () -> jinja("{% set l = [1] %}{{ l.append(2) }}"));
        assertTrue(e.getMessage().contains("append"), e.getMessage());
    }

    @Test
    void slicesIncludingSteps() {
        assertEquals("[2, 3]|[1, 2]|[3, 2, 1]|[1, 3]|cba|bc|[3]", jinja("{{ [1, 2, 3][1:] }}|{{ [1, 2, 3][:-1] }}|"
                + "{{ [1, 2, 3][::-1] }}|{{ [1, 2, 3][::2] }}|{{ 'abc'[::-1] }}|{{ 'abc'[1:] }}|{{ [1, 2, 3][2::-5] }}"));
        assertEquals("'[::-1]' {{ x[::-1] }}", jinja("{{ \"'[::-1]'\" }} {% raw %}{{ x[::-1] }}{% endraw %}"));
        assertEquals("🤖", jinja("{{ 'a🤖'[-1] }}"));
    }

    @Test
    void notBindsLooserThanTestsAndComparisons() {
        assertEquals("def|undef|True|True", jinja("{% if not agp is defined %}undef{% else %}def{% endif %}|"
                + "{% if not missing is defined %}undef{% else %}def{% endif %}|{{ not 1 == 2 }}|{{ not 'x' in 'abc' }}",
                Map.of("agp", true)));
        assertEquals("4", jinja("{% set ns = namespace(n=items|length - 1) %}{{ ns.n }}", Map.of("items", List.of(1, 2, 3, 4, 5))));
    }

    @Test
    void pythonTruthinessAndPrinting() {
        assertEquals("T|T|F|F|T", jinja("{% if 'false' %}T{% else %}F{% endif %}|{{ 'T' if 0.5 else 'F' }}|"
                + "{{ 'T' if [] else 'F' }}|{{ 'T' if not 'x' else 'F' }}|{{ 'T' if {'a': 0} else 'F' }}"));
        assertEquals("True False [1, 'a', None, True] {'k': 'v'} 0.30000000000000004 1e+20",
                jinja("{{ true }} {{ false }} {{ [1, 'a', none, true] }} {{ {'k': 'v'} }} {{ 0.1 + 0.2 }} {{ 1e20 }}"));
        assertEquals("False|True|True|True|False", jinja("{{ 0 is false }}|{{ false is false }}|{{ 'ab' is iterable }}|"
                + "{{ 'ab' is sequence }}|{{ {} is string }}"));
    }

    @Test
    void tojsonIsPythonJsonDumps() {
        Map<String, Object> v = new java.util.LinkedHashMap<>();
        v.put("s", "é \"q\" \\ \n\t\u0001");
        v.put("n", List.of(1, 2.5, 1.0e-7, true));
        v.put("none", null);
        assertEquals("{\"s\": \"é \\\"q\\\" \\\\ \\n\\t\\u0001\", \"n\": [1, 2.5, 1e-07, true], \"none\": null}",
                jinja("{{ v | tojson }}", Map.of("v", v)));
        assertEquals("{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}", jinja("{{ {'a': [1], 'b': {}} | tojson(indent=2) }}"));
        assertEquals("{\"a\": 1, \"b\": 2}", jinja("{{ {'b': 2, 'a': 1} | tojson(sort_keys=true) }}"));
    }

    @Test
    void loopControlsAndLoopVariables() {
        assertEquals("1:1/3,2:2/3,", jinja("{% for x in [1, 2, 3, 4] %}{% if loop.first %}{% continue %}{% endif %}"
                + "{% if x == 4 %}{% break %}{% endif %}{{ loop.index0 }}:{{ x - 1 }}/{{ loop.length - 1 }},{% endfor %}"));
        assertEquals("a!", jinja("{% for x in ['a'] %}{{ x }}{% if loop.last %}!{% endif %}{% endfor %}"));
    }

    @Test
    void whitespaceControlAsTransformersConfiguresIt() {
        // trim_blocks + lstrip_blocks, and explicit {%- -%} / {{- -}} / {#- -#}
        assertEquals("  X\nY", jinja("  {% if true %}\n  X\n  {% endif %}\n{# c #}\nY"));
        assertEquals("<s>XY|AXB", jinja("{{- bos_token }}\n{%- if true %}\n    {{- 'X' }}\n{%- endif %}\nY|A\n  {{- 'X' -}}\n  B"));
        assertEquals("AB", jinja("A\n  {#- note -#}\n  B"));
    }

    @Test
    void contentThatLooksLikeJinjaStaysText() {
        ChatTemplate t = ChatTemplate.of(ChatTemplate.CHATML, "", "");
        String out = t.render(List.of(ChatMessage.user("{{ 7 * 6 }} {% if true %}x{% endif %}")), false, Map.of());
        assertEquals("<|im_start|>user\n{{ 7 * 6 }} {% if true %}x{% endif %}<|im_end|>\n", out);
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> jinja("before{{ raise_exception('System role not supported') }}after"));
        assertTrue(e.raisedByTemplate());
        assertEquals("System role not supported", e.getMessage());
    }

    @Test
    void malformedTemplateIsAClearError() {
        TemplateException e = assertThrows(TemplateException.class, () -> jinja("{{ messages[0].content.split( }}"));
        assertFalse(e.raisedByTemplate());
        assertTrue(e.getMessage().startsWith("chat template"), e.getMessage());
    }

    /** What jinja2 refuses to compile or render, ChatTemplate refuses too, with jinja2's reason. */
    @Test
    void templatesJinja2RejectsAreRejected() {
        Map<String, String> rejected = Map.of(
                "a {{ b", "unterminated '{{'",
                "{% endif %}", "Missing start tag",
                "{% if true %}x", "Missing end tag",
                "{{ x | nosuchfilter }}", "No filter named 'nosuchfilter'.",
                "{{ x is nosuchtest }}", "No test named 'nosuchtest'.",
                "{{ nosuchfn(1) }}", "nosuchfn");
        rejected.forEach((template, reason) -> {
            TemplateException e = assertThrows(TemplateException.class, () -> jinja(template), template);
            assertTrue(e.getMessage().contains(reason), template + " -> " + e.getMessage());
        });
        assertTrue(ChatTemplate.of("{{ x | nosuchfilter }}", "", "").problem().isPresent());
        assertFalse(ChatTemplate.of("{{ 'a | b' }}{{ x is not none }}", "", "").problem().isPresent());
    }

    @Test
    void strftimeNowReadsTheClockAndIsDefined() {
        Clock clock = Clock.fixed(Instant.parse("2024-12-25T23:30:00Z"), ZoneOffset.UTC);
        ChatTemplate t = ChatTemplate.of("{% if strftime_now is defined %}{{ strftime_now('%d %b %Y, %A %B %H:%M') }}{% endif %}", "", "")
                .withClock(clock);
        assertEquals("25 Dec 2024, Wednesday December 23:30", t.render(HELLO, false, Map.of()));
    }

    @Test
    void rendersConcurrentlyWithEachTemplatesOwnClock() throws Exception {
        ChatTemplate a = ChatTemplate.of("{{ strftime_now('%Y') }}{% for m in messages[::-1] %}{{ m.content }}{% endfor %}", "", "")
                .withClock(Clock.fixed(Instant.parse("2001-01-01T00:00:00Z"), ZoneOffset.UTC));
        ChatTemplate b = a.withClock(Clock.fixed(Instant.parse("2042-01-01T00:00:00Z"), ZoneOffset.UTC));
        List<ChatMessage> m = List.of(ChatMessage.user("x"), ChatMessage.assistant("y"));
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                ChatTemplate t = i % 2 == 0 ? a : b;
                String expected = (i % 2 == 0 ? "2001" : "2042") + "yx";
                results.add(pool.submit(() -> expected.equals(t.render(m, false, Map.of()))));
            }
            for (var r : results) assertTrue(r.get());
        }
    }

    @Test
    void undefinedIsEmptyAndFalsy() {
        assertEquals("[]|no|", jinja("[{{ nothing }}]|{% if nothing or nothing.attr %}yes{% else %}no{% endif %}|{{ nothing.attr }}"));
    }

    @Test
    void messagesOmitAbsentOptionalKeys() {
        String t = "{% for m in messages %}{{ 'tool_calls' in m }},{{ m.reasoning_content is defined }};{% endfor %}";
        ChatTemplate ct = ChatTemplate.of(t, "", "");
        assertEquals("False,False;False,True;True,False;", ct.render(List.of(ChatMessage.user("q"), ChatMessage.assistant("a", "r"),
                new ChatMessage("assistant", null, null, List.of(Map.of("type", "function")))), false, Map.of()));
    }

    @Test
    void fallsBackToChatMlWithoutATemplate() {
        ChatTemplate t = ChatTemplate.of(null, "", "");
        assertTrue(t.isFallback());
        assertEquals(ChatTemplate.Source.FALLBACK_CHATML, t.origin());
        assertEquals("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n",
                t.render(List.of(ChatMessage.system("S"), ChatMessage.user("U")), true, Map.of()));
        assertEquals(ChatTemplate.Source.EXPLICIT, ChatTemplate.of("x", "", "").origin());
    }

    @Test
    void fromGgufWithoutTemplateFallsBackAndResolvesSpecialTokens() {
        Map<String, Object> values = new HashMap<>();
        Map<String, GgufValueType> types = new HashMap<>();
        values.put("tokenizer.ggml.bos_token_id", 1);
        types.put("tokenizer.ggml.bos_token_id", GgufValueType.UINT32);
        values.put("tokenizer.ggml.eos_token_id", 2);
        types.put("tokenizer.ggml.eos_token_id", GgufValueType.UINT32);
        GgufMetadata md = new GgufMetadata(values, types);
        ChatTemplate t = ChatTemplate.fromGguf(md, new String[] {"<unk>", "<s>", "</s>"});
        assertTrue(t.isFallback());
        assertEquals("<s>", t.bosToken());
        assertEquals("</s>", t.eosToken());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplate.fromGguf(md, new String[] {"<unk>"}));
        assertTrue(e.getMessage().contains("bos_token_id"), e.getMessage());
    }

    /** The templates embedded in ../shared's vocab GGUFs, read by fromGguf, render as jinja2 rendered them. */
    @Test
    void ggufEmbeddedTemplatesMatchJinja2() throws Exception {
        String shared = System.getProperty("srm4j.shared");
        assumeTrue(shared != null && Files.isDirectory(Path.of(shared)), "../shared not found: " + shared);
        JsonNode fixture;
        try (InputStream in = getClass().getResourceAsStream("/chat/expected.json")) {
            fixture = new ObjectMapper().readTree(in);
        }
        int checked = 0;
        Map<String, ChatTemplate> byFile = new HashMap<>();
        for (JsonNode c : fixture.get("gguf_cases")) {
            String name = c.get("gguf").asText();
            if (!byFile.containsKey(name)) {
                try (GgufFile file = GgufFile.open(Path.of(shared, "models", "vocab", name))) {
                    byFile.put(name, ChatTemplate.fromGguf(file.metadata(), null));
                }
            }
            ChatTemplate t = byFile.get(name);
            assertEquals(ChatTemplate.Source.GGUF, t.origin());
            assertEquals(c.get("bos_token").asText(), t.bosToken(), c.get("id").asText());
            assertEquals(c.get("eos_token").asText(), t.eosToken(), c.get("id").asText());
            List<ChatMessage> messages = ChatTemplateFixtureTest.messages(
                    fixture.get("conversations").get(c.get("conversation").asText()).get("messages"));
            if (c.has("expected")) {
                assertEquals(c.get("expected").asText(), t.render(messages, true, Map.of()), c.get("id").asText());
            } else {
                assertThrows(TemplateException.class, () -> t.render(messages, true, Map.of()), c.get("id").asText());
            }
            checked++;
        }
        assertTrue(checked >= 3, "expected GGUF cases in the fixture, found " + checked);
    }

    /** Which real templates pre-open the think block, for each enable_thinking setting. */
    @Test
    void realReasoningTemplatesAndTheirThinkState() throws Exception {
        String shared = System.getProperty("srm4j.shared");
        Path dir = shared == null ? null : Path.of(shared, "models", "templates");
        assumeTrue(dir != null && Files.isDirectory(dir), "../shared not found: " + shared);
        List<ChatMessage> q = List.of(ChatMessage.user("2+2?"));
        ChatTemplate r1 = ChatTemplate.of(Files.readString(dir.resolve("deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja")),
                "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
        assertTrue(r1.endsInsideThink(r1.render(q, true, Map.of())));
        ChatTemplate qwen3 = ChatTemplate.of(Files.readString(dir.resolve("Qwen-Qwen3-0.6B.jinja")), "", "<|im_end|>");
        assertFalse(qwen3.endsInsideThink(qwen3.render(q, true, Map.of())));
        String noThinking = qwen3.render(q, true, Map.of("enable_thinking", false));
        assertTrue(noThinking.endsWith("<think>\n\n</think>\n\n"), noThinking);
        assertFalse(qwen3.endsInsideThink(noThinking));
        ChatTemplate qwq = ChatTemplate.of(Files.readString(dir.resolve("Qwen-QwQ-32B.jinja")), "", "<|im_end|>");
        assertTrue(qwq.endsInsideThink(qwq.render(q, true, Map.of("enable_thinking", true))));
        assertFalse(qwq.endsInsideThink(qwq.render(q, true, Map.of("enable_thinking", false))));
    }

    @Test
    void detectsPromptsThatEndInsideAThinkBlock() {
        ChatTemplate t = ChatTemplate.of(ChatTemplate.CHATML, "", "");
        assertTrue(t.endsInsideThink("<｜User｜>hi<｜Assistant｜><think>\n"));
        assertTrue(t.endsInsideThink("<|im_start|>assistant\n<think>\n"));
        assertFalse(t.endsInsideThink("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
        assertFalse(t.endsInsideThink("<|im_start|>user\nwhat is <think>?<|im_end|>\n<|im_start|>assistant\n"));
        assertTrue(t.withThinkTags("<reasoning>", "</reasoning>").endsInsideThink("x<reasoning>"));
        assertTrue(t.reasoningParserFor("<think>\n").startsInReasoning());
    }
}
