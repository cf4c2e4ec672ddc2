#!/usr/bin/env bash
# Installs the reference runtimes the conformance suites compare against (never part of the shipped CLI):
# the current llama.cpp through npm's node-llama-cpp, into build/references/node (ignored by git).
# Without node/npm the tests that need it skip with a message. Idempotent: does nothing when the pinned version is there.
set -u
version=3.21.1
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
dir="$root/build/references/node"
if ! command -v npm >/dev/null 2>&1; then echo "setup-references: npm not found; llama.cpp (node) parity tests will skip." >&2; exit 0; fi
# Hugging Face's pure-JS tokenizers read the tokenizer.json files that export writes (build/references/hf-tokenizers).
hf="$root/build/references/hf-tokenizers"
if [ ! -f "$hf/node_modules/@huggingface/tokenizers/package.json" ]; then
  mkdir -p "$hf" && (cd "$hf" && { [ -f package.json ] || echo '{"name":"srm4j-hf-tokenizers","private":true,"type":"module"}' > package.json; } \
    && npm i -E --no-audit --no-fund --loglevel=error "@huggingface/tokenizers@0.2.0" >&2) \
    || echo "setup-references: @huggingface/tokenizers install failed; tokenizer export tests will skip." >&2
fi
installed="$dir/node_modules/node-llama-cpp/package.json"
if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then exit 0; fi
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name":"srm4j-references","private":true,"type":"module"}' > package.json
# Only the prebuilt CPU binaries of this platform: the default install also fetches every GPU/other-OS variant (~650 MB).
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) cpu=linux-x64 ;;
  Linux-aarch64) cpu=linux-arm64 ;;
  Darwin-arm64) cpu=mac-arm64-metal ;;
  Darwin-x86_64) cpu=mac-x64 ;;
  *) cpu= ;;
esac
echo "setup-references: installing node-llama-cpp@$version${cpu:+ (+ @node-llama-cpp/$cpu)} ..." >&2
if [ -n "$cpu" ]; then
  npm i -E --omit=optional --no-audit --no-fund --loglevel=error "node-llama-cpp@$version" "@node-llama-cpp/$cpu@$version" >&2
else
  npm i -E --no-audit --no-fund --loglevel=error "node-llama-cpp@$version" >&2
fi || echo "setup-references: npm install failed; node parity tests will skip." >&2
