package io.srm4j.cli;

import io.srm4j.runtime.model.KvCache;
import picocli.CommandLine.Option;

/** {@code --kv-type}: how cached keys and values are stored, for every command that generates. */
final class KvCacheOption {
    @Option(names = "--kv-type", defaultValue = "F16", paramLabel = "TYPE",
            description = "key/value cache storage: F16 (default, as llama.cpp), Q8_0 (47%% less memory; heads must be multiples of 32), F32")
    KvCache.Precision precision;
}
