package io.srm4j.cli;

import io.srm4j.runtime.gguf.GgufArray;
import io.srm4j.runtime.gguf.GgufFile;
import io.srm4j.runtime.gguf.GgufTensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

@Command(name = "inspect", description = "Print a GGUF file's metadata and tensor table.")
final class InspectCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "GGUF file")
    Path model;

    @Option(names = "--full", description = "Print long arrays and strings whole")
    boolean full;

    @Override
    public Integer call() throws Exception {
        try (GgufFile f = GgufFile.open(model)) {
            var out = System.out;
            out.printf("file: %s%nGGUF version %d, %d metadata entries, %d tensors, alignment %d, data at byte %d, %.1f MiB%n%n",
                    f.path(), f.version(), f.metadata().asMap().size(), f.tensors().size(), f.alignment(), f.dataOffset(),
                    f.fileSize() / 1048576.0);
            out.println("metadata:");
            for (var e : f.metadata().asMap().entrySet()) {
                String v = e.getValue() instanceof GgufArray a && full ? Arrays.deepToString(new Object[]{a.values()}) : String.valueOf(e.getValue());
                if (!full && v.length() > 160) v = v.substring(0, 157) + "...";
                v = v.replace("\n", "\\n");
                out.printf("  %-44s %-8s %s%n", e.getKey(), f.metadata().typeOf(e.getKey()), v);
            }
            out.printf("%ntensors:%n  %-40s %-6s %-24s %12s%n", "name", "type", "shape", "bytes");
            long total = 0;
            for (GgufTensorInfo t : f.tensors()) {
                out.printf("  %-40s %-6s %-24s %12d%n", t.name(), t.type(), Arrays.toString(t.shape()), t.byteSize());
                total += t.byteSize();
            }
            out.printf("  %d tensors, %d bytes%n", f.tensors().size(), total);
        }
        return 0;
    }
}
