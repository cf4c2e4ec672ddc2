#!/usr/bin/env bash
# Training speed side by side (issue 5): srm4j and PyTorch (libtorch 2.7.1 through DJL, from Maven) train the same
# ~10M-parameter model in one JVM, taking turns, and the report gives the ratio of each round. Options pass through:
#   scripts/bench-training.sh [--rounds 6] [--steps 4] [--threads 2] [--batch 4] [--seq 256] [--no-openblas] [--stock-mkl]
# The oneMKL inside libtorch runs a generic (non-AVX2) code path on CPUs that are not Intel's. Unless --stock-mkl is
# given, on such CPUs a one-function shim (mkl_serv_intel_cpu_true returning 1, built with cc into build/) is
# preloaded so that PyTorch gets its AVX2 kernels: the anchor should be PyTorch at its best, not handicapped.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/find-jdk.sh"
srm4j_find_jdk || exit 1
out="$root/build/bench-training"
mkdir -p "$out"
echo "bench-training: building the train module's test classes and class path ..." >&2
(cd "$root" && JAVA_HOME="$SRM4J_JAVA_HOME" mvn -q -B -ntp test-compile dependency:build-classpath -pl train -am \
  -Dmdep.outputFile="$out/classpath.txt" -Dmdep.includeScope=test >&2)
args=() preload=""
stock=false
for a in "$@"; do if [ "$a" = "--stock-mkl" ]; then stock=true; else args+=("$a"); fi; done
if [ "$stock" = false ] && ! grep -q GenuineIntel /proc/cpuinfo 2>/dev/null; then
  if command -v cc >/dev/null 2>&1; then
    echo 'int mkl_serv_intel_cpu_true(void) { return 1; }' > "$out/mkl-cpu-check.c"
    cc -shared -fPIC -o "$out/libmkl-cpu-check.so" "$out/mkl-cpu-check.c"
    preload="$out/libmkl-cpu-check.so"
  else
    echo "bench-training: no C compiler, so PyTorch's oneMKL keeps its generic path on this non-Intel CPU (a slower anchor)" >&2
  fi
fi
cp="$root/train/target/test-classes:$root/train/target/classes:$(cat "$out/classpath.txt")"
exec env ${preload:+LD_PRELOAD="$preload"} "$SRM4J_JAVA_HOME/bin/java" --add-modules jdk.incubator.vector \
  --enable-native-access=ALL-UNNAMED -cp "$cp" io.srm4j.train.bench.TrainingSideBySide "${args[@]}"
