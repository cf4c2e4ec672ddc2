package io.srm4j.runtime.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Small templates, one jinja2 behaviour each (whitespace control, Python methods, slices, tests, precedence,
 * truthiness, printing, tojson, loops, namespaces, filters), must render as jinja2 rendered them in
 * transformers' environment (snippet_cases of chat/expected.json).
 */
class JinjaSnippetFixtureTest {
    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> snippetsMatchJinja2() throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode fixture;
        try (InputStream in = getClass().getResourceAsStream("/chat/expected.json")) {
            assertTrue(in != null, "chat/expected.json missing");
            fixture = json.readTree(in);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : fixture.get("snippet_cases")) {
            String id = c.get("id").asText();
            ChatTemplate template = ChatTemplate.of(c.get("template").asText(), "<s>", "</s>");
            Map<String, Object> vars = json.convertValue(c.get("vars"), LinkedHashMap.class);
            Object given = vars.remove("messages"); // a snippet may bring its own conversation
            List<Map<String, Object>> messages = given != null ? (List<Map<String, Object>>) given
                    : List.of(ChatMessage.user("Hi").toTemplateValue());
            tests.add(DynamicTest.dynamicTest(id, () -> {
                if (c.has("expected")) {
                    assertEquals(c.get("expected").asText(), template.renderValues(messages, false, vars), id);
                } else {
                    assertThrows(TemplateException.class, () -> template.renderValues(messages, false, vars), id);
                }
            }));
        }
        assertTrue(tests.size() >= 20, "snippet cases missing from the fixture");
        return tests.stream();
    }
}
