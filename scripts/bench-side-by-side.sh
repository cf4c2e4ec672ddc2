#!/usr/bin/env bash
# Side-by-side speed: srm4j vs the current llama.cpp (npm node-llama-cpp@3.21.1) vs llama.cpp in de.kherud:llama:4.2.0,
# on one GGUF file, in one run, with ratios (see docs/BENCHMARKS.md). The harness lives in the bench module, never in the CLI.
#   scripts/bench-side-by-side.sh MODEL [--prompt-tokens 256] [--gen-tokens 128] [--threads 2] [--batch 16] [--repetitions 3]
# MODEL is a .gguf path, or Q8_0 / Q4_0 for the random-weight Qwen2.5-0.5B-shaped files of issue 3, made under
# build/bench-models on first use (needs ../shared/tools and python3 with numpy); Q4_K_M / Q6_K for Qwen3-0.6B-shaped
# ones and qwen2.5-Q4_K_M (mostly Q5_0 / Q8_0, as llama-quantize makes it of 896-wide rows), written by srm4j's
# SyntheticModels with llama-quantize's Q4_K_M type choices.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/find-jdk.sh"
srm4j_find_jdk || exit 1
[ $# -ge 1 ] || { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
model="$1"; shift

# Prints the path of the synthetic model of type $1 (Q8_0 / Q4_0), creating it when missing.
synthetic_model() {
  local type="$1" lower out tools="$root/../shared/tools" vocab="$root/../shared/models/vocab/ggml-vocab-qwen2.gguf"
  lower=$(echo "$type" | tr 'A-Z' 'a-z')
  out="$root/build/bench-models/qwen2.5-0.5b-$lower.gguf"
  if [ ! -f "$out" ]; then
    [ -f "$tools/make_synthetic_gguf.py" ] && [ -f "$vocab" ] || { echo "bench: $tools/make_synthetic_gguf.py or $vocab not found (../shared missing?)" >&2; exit 1; }
    mkdir -p "$root/build/bench-models"
    echo "bench: creating $out (random weights, Qwen2.5-0.5B shapes) ..." >&2
    python3 "$tools/make_synthetic_gguf.py" --preset qwen2.5-0.5b --type "$type" --vocab-gguf "$vocab" "$out.tmp" >&2
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# Prints the path of a K-quant synthetic model, shape $1 (qwen3-0.6b / qwen2.5-0.5b), mix $2 (Q4_K_M / Q6_K).
kquant_model() {
  local shape="$1" mix="$2" out vocab="$root/../shared/models/vocab/ggml-vocab-qwen2.gguf"
  out="$root/build/bench-models/$shape-$(echo "$mix" | tr 'A-Z' 'a-z').gguf"
  if [ ! -f "$out" ]; then
    [ -f "$vocab" ] || { echo "bench: $vocab not found (../shared missing?)" >&2; exit 1; }
    mkdir -p "$root/build/bench-models"
    echo "bench: creating $out (random weights, $shape shapes, $mix) ..." >&2
    (cd "$root" && JAVA_HOME="$SRM4J_JAVA_HOME" mvn -q -B -DskipTests -pl runtime test-compile >&2)
    "$SRM4J_JAVA_HOME/bin/java" -Xmx4g --add-modules jdk.incubator.vector -cp "$root/runtime/target/classes:$root/runtime/target/test-classes" \
      io.srm4j.runtime.testing.SyntheticModels "$shape" "$mix" "$vocab" "$out" >&2
  fi
  echo "$out"
}

case "$model" in
  Q8_0|q8_0|Q4_0|q4_0) model=$(synthetic_model "$(echo "$model" | tr 'a-z' 'A-Z')") ;;
  Q4_K_M|q4_k_m|Q6_K|q6_k) model=$(kquant_model qwen3-0.6b "$(echo "$model" | tr 'a-z' 'A-Z')") ;;
  qwen2.5-Q4_K_M|qwen2.5-q4_k_m) model=$(kquant_model qwen2.5-0.5b Q4_K_M) ;;
esac
[ -f "$model" ] || { echo "bench: model file not found: $model" >&2; exit 1; }

# References: node-llama-cpp (a no-op once installed; missing npm leaves it to be reported as missing).
[ -f "$root/build/references/node/node_modules/node-llama-cpp/package.json" ] || bash "$root/scripts/setup-references.sh" || true

jar="$root/bench/target/srm4j-bench.jar"
cli="$root/cli/target/srm4j.jar"
if [ ! -f "$jar" ] || [ ! -f "$cli" ] || [ -n "$(find "$root" -path "$root/build" -prune -o \( -name pom.xml -o -path '*/src/main/*' \) -newer "$jar" -type f -print -quit)" ]; then
  echo "bench: building the CLI and the bench module ..." >&2
  (cd "$root" && JAVA_HOME="$SRM4J_JAVA_HOME" mvn -q -B -DskipTests -pl cli,bench -am package >&2)
fi

exec "$SRM4J_JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss8m \
  -cp "$jar" io.srm4j.bench.SideBySide --repo "$root" "$model" "$@"
