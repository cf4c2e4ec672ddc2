package io.srm4j.eval.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DatasetReaderTest {

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(DatasetReaderTest.class.getResource("/datasets/" + name).toURI());
    }

    @Test
    void parquetReadsToTheSameRecordsAsJsonLines() throws Exception {
        // tiny.parquet and tiny.jsonl are written from the same rows by src/test/python/make_parquet_fixture.py
        List<ObjectNode> parquet = DatasetReader.read(fixture("tiny.parquet"));
        List<ObjectNode> jsonl = DatasetReader.read(fixture("tiny.jsonl"));
        assertEquals(3, parquet.size());
        assertEquals(jsonl.size(), parquet.size());
        for (int i = 0; i < jsonl.size(); i++) {
            ObjectNode p = parquet.get(i), j = jsonl.get(i);
            assertEquals(j.get("id").asLong(), p.get("id").asLong());
            assertEquals(j.get("question").asText(), p.get("question").asText());
            assertEquals(j.get("answer").asText(), p.get("answer").asText());
            assertEquals(j.get("correct").asText(), p.get("correct").asText());
            assertEquals(j.get("options"), p.get("options"), "list column read as a JSON array");
            assertEquals(j.get("level").isNull(), p.get("level").isNull());
            if (!j.get("level").isNull()) assertEquals(j.get("level").asDouble(), p.get("level").asDouble());
        }
        assertEquals("Unicode: \u221a2 \u2248 1.414 \u2013 ok?", parquet.get(2).get("question").asText());
    }

    @Test
    void otherCodecsReadOrNameTheMissingLibrary() throws Exception {
        assertEquals(DatasetReader.read(fixture("tiny.jsonl")).size(), DatasetReader.read(fixture("tiny_gzip.parquet")).size());
        assertEquals(DatasetReader.read(fixture("tiny.parquet")), DatasetReader.read(fixture("tiny_gzip.parquet")));
        IOException e = assertThrows(IOException.class, () -> DatasetReader.read(fixture("tiny_zstd.parquet")));
        assertTrue(e.getMessage().contains("ZSTD") && e.getMessage().contains("zstd-jni"), e.getMessage());
    }

    @Test
    void jsonArrayAndDataWrapperAreRead(@TempDir Path dir) throws IOException {
        Path array = dir.resolve("a.json");
        Files.writeString(array, "[{\"q\": \"one\"}, {\"q\": \"two\"}]");
        Path wrapped = dir.resolve("b.json");
        Files.writeString(wrapped, "{\"version\": 1, \"data\": [{\"q\": \"one\"}, {\"q\": \"two\"}]}");
        assertEquals(DatasetReader.read(array), DatasetReader.read(wrapped));
        assertEquals("two", DatasetReader.read(array).get(1).get("q").asText());
    }

    @Test
    void badInputIsNamed(@TempDir Path dir) throws IOException {
        Path jsonl = dir.resolve("bad.jsonl");
        Files.writeString(jsonl, "{\"q\": 1}\n\n{\"q\": 2\n");
        IOException e = assertThrows(IOException.class, () -> DatasetReader.read(jsonl));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());

        Path notObject = dir.resolve("list.jsonl");
        Files.writeString(notObject, "[1, 2]\n");
        assertTrue(assertThrows(IOException.class, () -> DatasetReader.read(notObject)).getMessage().contains("JSON object"));

        Path scalar = dir.resolve("x.json");
        Files.writeString(scalar, "{\"rows\": []}");
        assertTrue(assertThrows(IOException.class, () -> DatasetReader.read(scalar)).getMessage().contains("\"data\""));

        Path csv = dir.resolve("x.csv");
        Files.writeString(csv, "a,b\n");
        assertTrue(assertThrows(IOException.class, () -> DatasetReader.read(csv)).getMessage().contains("unsupported"));

        assertThrows(NoSuchFileException.class, () -> DatasetReader.read(dir.resolve("missing.jsonl")));

        Path notParquet = dir.resolve("fake.parquet");
        Files.writeString(notParquet, "this is not parquet at all");
        IOException pe = assertThrows(IOException.class, () -> DatasetReader.read(notParquet));
        assertTrue(pe.getMessage().contains("cannot read Parquet"), pe.getMessage());
    }

    @Test
    void truncatedParquetIsAClearError(@TempDir Path dir) throws Exception {
        byte[] bytes = Files.readAllBytes(fixture("tiny.parquet"));
        Path cut = dir.resolve("cut.parquet");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, () -> DatasetReader.read(cut));
        assertTrue(e.getMessage().contains("cut.parquet"), e.getMessage());
    }

    @Test
    void locatorPrefersExplicitThenEnvironmentThenSharedFolder(@TempDir Path dir) throws IOException {
        Path envDir = Files.createDirectories(dir.resolve("env"));
        Path repo = Files.createDirectories(dir.resolve("work/repo/sub"));
        Path shared = Files.createDirectories(dir.resolve("work/shared/datasets"));
        Files.writeString(shared.resolve("x.jsonl"), "{}\n");
        DatasetLocator noEnv = new DatasetLocator(Map.of(), repo);
        assertEquals(shared.resolve("x.jsonl"), noEnv.resolve(null, "x.jsonl"));

        Files.writeString(envDir.resolve("x.jsonl"), "{}\n");
        DatasetLocator withEnv = new DatasetLocator(Map.of(DatasetLocator.ENV, envDir.toString()), repo);
        assertEquals(envDir.resolve("x.jsonl"), withEnv.resolve(null, "x.jsonl"));

        Path explicit = dir.resolve("mine.jsonl");
        Files.writeString(explicit, "{}\n");
        assertEquals(explicit, withEnv.resolve(explicit, "x.jsonl"));

        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> withEnv.resolve(null, "y.jsonl"));
        assertTrue(missing.getMessage().contains("--dataset") && missing.getMessage().contains(DatasetLocator.ENV),
                missing.getMessage());
        assertThrows(NoSuchFileException.class, () -> withEnv.resolve(dir.resolve("nope.jsonl"), "x.jsonl"));
    }
}
