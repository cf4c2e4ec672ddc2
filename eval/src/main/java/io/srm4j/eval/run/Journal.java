package io.srm4j.eval.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.srm4j.eval.generation.Completion;
import io.srm4j.eval.generation.FinishReason;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Append-only JSONL record of every finished generation, one line per (problem, sample), forced to disk before
 * the runner moves on. A process killed at any moment leaves whole lines plus at most one torn last line (the
 * write in progress, without its newline); opening the journal drops that torn tail, so a resumed run regenerates
 * exactly the one sample that was being written and nothing else.
 */
public final class Journal implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final Map<Long, JournalEntry> entries;
    private final long tornBytesDropped;

    private Journal(Path file, FileChannel channel, Map<Long, JournalEntry> entries, long tornBytesDropped) {
        this.file = file;
        this.channel = channel;
        this.entries = entries;
        this.tornBytesDropped = tornBytesDropped;
    }

    /** Opens (creating if absent) the journal for appending, after reading what it holds. */
    public static Journal open(Path file) throws IOException {
        Map<Long, JournalEntry> entries = new LinkedHashMap<>();
        long torn = 0;
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            int lastNewline = lastIndexOf(bytes, (byte) '\n');
            int wholeLength = lastNewline + 1;
            torn = bytes.length - wholeLength;
            String text = new String(bytes, 0, wholeLength, StandardCharsets.UTF_8);
            int lineNumber = 0;
            for (String line : text.split("\n", -1)) {
                lineNumber++;
                if (line.isEmpty()) continue;
                JournalEntry entry;
                try {
                    entry = parse(line);
                } catch (IOException | RuntimeException e) {
                    throw new IOException(file + " line " + lineNumber + " is corrupt (" + e.getMessage()
                            + "); only the last line of a journal can be torn by a crash, so this file was damaged", e);
                }
                JournalEntry previous = entries.putIfAbsent(key(entry.problem(), entry.sample()), entry);
                if (previous != null) {
                    throw new IOException(file + " line " + lineNumber + ": problem " + entry.problem() + " sample "
                            + entry.sample() + " is recorded twice");
                }
            }
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (torn > 0) {
                channel.truncate(channel.size() - torn);
                channel.force(true);
            }
            channel.position(channel.size());
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new Journal(file, channel, entries, torn);
    }

    private static int lastIndexOf(byte[] bytes, byte b) {
        for (int i = bytes.length - 1; i >= 0; i--) if (bytes[i] == b) return i;
        return -1;
    }

    private static long key(int problem, int sample) { return ((long) problem << 32) | (sample & 0xffffffffL); }

    public Path file() { return file; }

    /** Bytes of a torn last line found and removed when opening (0 for a clean journal). */
    public long tornBytesDropped() { return tornBytesDropped; }

    public int size() { return entries.size(); }

    public boolean contains(int problem, int sample) { return entries.containsKey(key(problem, sample)); }

    public JournalEntry get(int problem, int sample) { return entries.get(key(problem, sample)); }

    public List<JournalEntry> entries() { return Collections.unmodifiableList(new ArrayList<>(entries.values())); }

    /** Writes the entry as one line and forces it to disk before returning. */
    public synchronized void append(JournalEntry entry) throws IOException {
        if (contains(entry.problem(), entry.sample())) {
            throw new IllegalStateException("problem " + entry.problem() + " sample " + entry.sample() + " already journaled");
        }
        byte[] line = (JSON.writeValueAsString(toJson(entry)) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) channel.write(buffer);
        channel.force(false);
        entries.put(key(entry.problem(), entry.sample()), entry);
    }

    @Override
    public void close() throws IOException { channel.close(); }

    static ObjectNode toJson(JournalEntry e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("problem", e.problem());
        o.put("id", e.problemId());
        o.put("sample", e.sample());
        o.put("seed", e.seed());
        Completion c = e.completion();
        o.put("text", c.text());
        o.put("reasoning", c.reasoning());
        o.put("answer", c.answer());
        o.put("prompt_tokens", c.promptTokens());
        o.put("reasoning_tokens", c.reasoningTokens());
        o.put("answer_tokens", c.answerTokens());
        o.put("finish_reason", c.finishReason().wireName());
        o.put("seconds", c.seconds());
        return o;
    }

    static JournalEntry parse(String line) throws IOException {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IOException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        Completion c = new Completion(text(o, "text"), text(o, "reasoning"), text(o, "answer"),
                integer(o, "prompt_tokens"), integer(o, "reasoning_tokens"), integer(o, "answer_tokens"),
                FinishReason.fromWire(text(o, "finish_reason")), number(o, "seconds"));
        return new JournalEntry(integer(o, "problem"), text(o, "id"), integer(o, "sample"), longValue(o, "seed"), c);
    }

    private static String text(JsonNode o, String field) throws IOException {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) throw new IOException("field '" + field + "' missing or not a string");
        return v.asText();
    }

    private static int integer(JsonNode o, String field) throws IOException {
        JsonNode v = o.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) throw new IOException("field '" + field + "' missing or not an integer");
        return v.asInt();
    }

    private static double number(JsonNode o, String field) throws IOException {
        JsonNode v = o.get(field);
        if (v == null || !v.isNumber()) throw new IOException("field '" + field + "' missing or not a number");
        return v.asDouble();
    }

    private static long longValue(JsonNode o, String field) throws IOException {
        JsonNode v = o.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) throw new IOException("field '" + field + "' missing or not an integer");
        return v.asLong();
    }
}
