#!/usr/bin/env bash
# Installs the reference runtimes the conformance suites compare against (never part of the shipped CLI):
# the current llama.cpp through npm's node-llama-cpp, into build/references/node (ignored by git).
# Without node/npm the tests that need it skip with a message.
set -u
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
dir="$root/build/references/node"
if ! command -v npm >/dev/null 2>&1; then echo "setup-references: npm not found; llama.cpp (node) parity tests will skip." >&2; exit 0; fi
if [ -f "$dir/node_modules/node-llama-cpp/package.json" ]; then exit 0; fi
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name":"srm4j-references","private":true,"type":"module"}' > package.json
echo "setup-references: installing node-llama-cpp@3.21.1 ..." >&2
npm i -E --no-audit --no-fund --loglevel=error node-llama-cpp@3.21.1 >&2 || echo "setup-references: npm install failed; node parity tests will skip." >&2
