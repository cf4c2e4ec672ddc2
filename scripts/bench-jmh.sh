#!/usr/bin/env bash
# JMH microbenchmarks of the matrix-vector kernel (decode) on an 896x4864 matrix in Q8_0, Q4_0, Q4_K, Q6_K and F16;
# prints us per product and GB/s of weights read. JMH options pass through, e.g.
#   scripts/bench-jmh.sh -p type=Q8_0,Q4_0 -wi 2 -i 3 -jvmArgsAppend -Dsrm4j.threads=2
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/find-jdk.sh"
srm4j_find_jdk || exit 1
jar="$root/bench/target/srm4j-bench.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root" -path "$root/build" -prune -o \( -name pom.xml -o -path '*/src/main/*' \) -newer "$jar" -type f -print -quit)" ]; then
  echo "bench: building the bench module ..." >&2
  (cd "$root" && JAVA_HOME="$SRM4J_JAVA_HOME" mvn -q -B -DskipTests -pl bench -am package >&2)
fi
exec "$SRM4J_JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "$jar" io.srm4j.bench.JmhReport "$@"
