#!/usr/bin/env bash
# The test command: every suite, the slow conformance ones included (parity with llama.cpp, fuzzing).
# --fast runs only the quick default suites. Extra arguments go to Maven.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/find-jdk.sh"
srm4j_find_jdk || exit 1
profile=(-Pconformance)
if [ "${1:-}" = "--fast" ]; then profile=(); shift; fi
cd "$root"
if [ ${#profile[@]} -gt 0 ]; then "$root/scripts/setup-references.sh" || true; fi
JAVA_HOME="$SRM4J_JAVA_HOME" exec mvn -B -ntp "${profile[@]}" verify "$@"
