package io.srm4j.eval.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hardwood.InputFile;
import dev.hardwood.reader.ParquetFileReader;
import dev.hardwood.reader.RowReader;
import dev.hardwood.row.PqList;
import dev.hardwood.row.PqMap;
import dev.hardwood.row.PqStruct;
import dev.hardwood.row.StructAccessor;

import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Reads a dataset file into one JSON object per record, whatever the format: JSON Lines ({@code .jsonl},
 * {@code .ndjson}), JSON ({@code .json}: an array of objects, or an object holding the array under
 * {@code "data"}, as some exports do) or Parquet ({@code .parquet}, what Hugging Face ships).
 */
public final class DatasetReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private DatasetReader() {}

    public static List<ObjectNode> read(Path path) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "dataset file not found");
        if (Files.isDirectory(path)) throw new IOException("dataset path is a directory, not a file: " + path);
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return readJsonLines(path);
        if (name.endsWith(".json")) return readJson(path);
        if (name.endsWith(".parquet")) return readParquet(path);
        throw new IOException("unsupported dataset format for " + path
                + " (expected .jsonl, .ndjson, .json or .parquet)");
    }

    static List<ObjectNode> readJsonLines(Path path) throws IOException {
        List<ObjectNode> records = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IOException(path + " line " + lineNumber + ": not valid JSON: " + e.getOriginalMessage(), e);
                }
                if (!(node instanceof ObjectNode object)) {
                    throw new IOException(path + " line " + lineNumber + ": expected a JSON object, got " + node.getNodeType());
                }
                records.add(object);
            }
        }
        return records;
    }

    static List<ObjectNode> readJson(Path path) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(path.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(path + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root instanceof ObjectNode object && object.get("data") instanceof ArrayNode data) root = data;
        if (!(root instanceof ArrayNode array)) {
            throw new IOException(path + ": expected a JSON array of records or an object with a \"data\" array");
        }
        List<ObjectNode> records = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof ObjectNode object)) {
                throw new IOException(path + ": record " + i + " is not a JSON object");
            }
            records.add(object);
        }
        return records;
    }

    static List<ObjectNode> readParquet(Path path) throws IOException {
        List<ObjectNode> records = new ArrayList<>();
        try (ParquetFileReader reader = ParquetFileReader.open(InputFile.of(path));
             RowReader rows = reader.rowReader()) {
            while (rows.hasNext()) {
                rows.next();
                records.add(struct(rows));
            }
        } catch (IOException | RuntimeException e) {
            // Corrupt files and codecs without their optional library surface as (wrapped) unchecked exceptions;
            // the innermost message is the one that names the problem (e.g. which codec library is missing).
            throw new IOException(path + ": cannot read Parquet: " + rootMessage(e), e);
        }
        return records;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    private static ObjectNode struct(StructAccessor row) {
        ObjectNode object = NODES.objectNode();
        for (int i = 0; i < row.getFieldCount(); i++) {
            object.set(row.getFieldName(i), row.isNull(i) ? NODES.nullNode() : value(row.getValue(i)));
        }
        return object;
    }

    private static JsonNode value(Object value) {
        return switch (value) {
            case null -> NODES.nullNode();
            case String s -> NODES.textNode(s);
            case Integer i -> NODES.numberNode(i);
            case Long l -> NODES.numberNode(l);
            case Short s -> NODES.numberNode(s);
            case Byte b -> NODES.numberNode(b);
            case Float f -> NODES.numberNode(f);
            case Double d -> NODES.numberNode(d);
            case BigDecimal d -> NODES.numberNode(d);
            case BigInteger i -> NODES.numberNode(i);
            case Boolean b -> NODES.booleanNode(b);
            case byte[] bytes -> NODES.textNode(Base64.getEncoder().encodeToString(bytes));
            case PqStruct s -> struct(s);
            case PqList list -> {
                ArrayNode array = NODES.arrayNode();
                for (Object element : list.values()) array.add(value(element));
                yield array;
            }
            case PqMap map -> {
                ObjectNode object = NODES.objectNode();
                for (PqMap.Entry entry : map.getEntries()) {
                    object.set(String.valueOf(entry.getKey()), value(entry.getValue()));
                }
                yield object;
            }
            default -> NODES.textNode(value.toString()); // dates, times, UUIDs: their ISO text
        };
    }
}
