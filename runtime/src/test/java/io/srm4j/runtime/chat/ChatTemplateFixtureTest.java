package io.srm4j.runtime.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every real chat template in ../shared/models/templates rendered over every fixture conversation must equal, byte
 * for byte, what Python's jinja2 produced in transformers' environment (chat/expected.json, written by
 * src/test/python/render_chat_templates.py); where jinja2 raised, ChatTemplate must raise too.
 *
 * <p>The default suite renders one of the six flag variants (add_generation_prompt × enable_thinking) of each
 * template × conversation, rotating so that every template meets every variant; the full sweep (all 792 cases,
 * some seconds) is tagged conformance.
 */
class ChatTemplateFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Cases where jinja2 fails only through a Python implementation detail, not through the template's intent:
     * llama.cpp's DeepSeek-R1 template pipes {@code tools | map(attribute='function')} into tojson, and jinja2's map
     * yields a generator that json.dumps cannot serialise; Jinjava's map gives a list, which serialises. Those
     * cases must render (with the tools as JSON) rather than fail.
     */
    private static final String GENERATOR_NOT_SERIALIZABLE = "TypeError: Object of type generator is not JSON serializable";

    private static JsonNode fixture() throws IOException {
        try (InputStream in = ChatTemplateFixtureTest.class.getResourceAsStream("/chat/expected.json")) {
            assertTrue(in != null, "chat/expected.json missing from test resources");
            return JSON.readTree(in);
        }
    }

    private static Path templatesDir() {
        String shared = System.getProperty("srm4j.shared");
        Path dir = shared == null ? null : Path.of(shared, "models", "templates");
        assumeTrue(dir != null && Files.isDirectory(dir), "../shared not found: set -Dsrm4j.shared (got " + shared + ")");
        return dir;
    }

    static Clock fixtureClock(JsonNode fixture) {
        LocalDateTime now = LocalDateTime.parse(fixture.get("strftime_now").asText());
        return Clock.fixed(now.toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    }

    @TestFactory
    Stream<DynamicTest> rotatingSampleOfCasesMatchesJinja2() throws IOException {
        return cases(true);
    }

    @Tag("conformance")
    @TestFactory
    Stream<DynamicTest> everyTemplateAndConversationMatchesJinja2() throws IOException {
        return cases(false);
    }

    private Stream<DynamicTest> cases(boolean sampleOnly) throws IOException {
        Path dir = templatesDir();
        JsonNode fixture = fixture();
        Clock clock = fixtureClock(fixture);
        Map<String, ChatTemplate> templates = new HashMap<>();
        for (var it = fixture.get("templates").properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            String source = Files.readString(dir.resolve(e.getKey() + ".jinja"));
            templates.put(e.getKey(), ChatTemplate.of(source, e.getValue().get("bos_token").asText(),
                    e.getValue().get("eos_token").asText()).withClock(clock));
        }
        List<DynamicTest> tests = new ArrayList<>();
        int index = 0;
        for (JsonNode c : fixture.get("cases")) {
            // Cases come in runs of six variants per (template, conversation); the sample takes the
            // (run number mod 6)-th variant of each run.
            int variant = index % 6, run = index / 6;
            index++;
            if (sampleOnly && variant != run % 6) continue;
            tests.add(caseTest(fixture, templates, c));
        }
        return tests.stream();
    }

    private static DynamicTest caseTest(JsonNode fixture, Map<String, ChatTemplate> templates, JsonNode c) {
        String id = c.get("id").asText();
        ChatTemplate template = templates.get(c.get("template").asText());
        List<ChatMessage> messages = messages(fixture.get("conversations").get(c.get("conversation").asText()).get("messages"));
        boolean agp = c.get("add_generation_prompt").asBoolean();
        @SuppressWarnings("unchecked")
        Map<String, Object> extra = JSON.convertValue(c.get("extra"), LinkedHashMap.class);
        return DynamicTest.dynamicTest(id, () -> {
            if (c.has("expected")) {
                assertEquals(c.get("expected").asText(), template.render(messages, agp, extra), id);
            } else if (c.get("error").asText().equals(GENERATOR_NOT_SERIALIZABLE)) {
                String out = template.render(messages, agp, extra);
                assertTrue(out.contains("\"name\": \"get_weather\""), "tools JSON expected in " + out);
            } else {
                TemplateException e = assertThrows(TemplateException.class, () -> template.render(messages, agp, extra),
                        id + ": jinja2 raised " + c.get("error").asText());
                String expected = c.get("error").asText();
                if (expected.startsWith("TemplateError: ")) {
                    assertTrue(e.raisedByTemplate(), "expected raise_exception, got " + e.getMessage());
                    assertEquals(expected.substring("TemplateError: ".length()), e.getMessage());
                }
            }
        });
    }

    @SuppressWarnings("unchecked")
    static List<ChatMessage> messages(JsonNode array) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : array) {
            List<Map<String, Object>> toolCalls = m.has("tool_calls") ? JSON.convertValue(m.get("tool_calls"), List.class) : null;
            out.add(new ChatMessage(m.get("role").asText(), m.get("content").isNull() ? null : m.get("content").asText(),
                    m.has("reasoning_content") ? m.get("reasoning_content").asText() : null, toolCalls));
        }
        return out;
    }

    @Test
    void fixtureCoversEveryTemplateInShared() throws IOException {
        Path dir = templatesDir();
        JsonNode fixture = fixture();
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jinja"))
                    .map(n -> n.substring(0, n.length() - ".jinja".length())).sorted().toList();
            List<String> covered = new ArrayList<>();
            fixture.get("templates").fieldNames().forEachRemaining(covered::add);
            assertEquals(names, covered.stream().sorted().toList(),
                    "templates changed: rerun src/test/python/render_chat_templates.py");
        }
    }
}
