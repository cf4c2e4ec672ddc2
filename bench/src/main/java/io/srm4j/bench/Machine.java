package io.srm4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** What the result ran on: CPU model, logical CPUs, the SIMD features that decide the kernels, JVM, load average. */
final class Machine {
    private Machine() {}

    static ObjectNode describe(ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        o.put("cpus", Runtime.getRuntime().availableProcessors());
        o.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        o.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            lines.stream().filter(l -> l.startsWith("model name")).findFirst().ifPresent(l -> o.put("cpu", l.substring(l.indexOf(':') + 1).strip()));
            lines.stream().filter(l -> l.startsWith("flags")).findFirst().ifPresent(l -> {
                Set<String> flags = Set.of(l.substring(l.indexOf(':') + 1).strip().split("\\s+"));
                var simd = o.putArray("simd");
                for (String f : List.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8")) {
                    if (flags.contains(f)) simd.add(f);
                }
            });
            o.put("loadavg", Files.readString(Path.of("/proc/loadavg")).strip());
        } catch (Exception e) {
            o.put("cpu", "unknown (no /proc)");
        }
        return o;
    }
}
