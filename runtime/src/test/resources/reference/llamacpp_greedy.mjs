// Greedy reference generations from the current llama.cpp, through npm's node-llama-cpp (CPU build).
//
// Usage: node llamacpp_greedy.mjs < request.json      (or: node llamacpp_greedy.mjs request.json)
// Request: {"model": PATH, "threads": 1, "contextSize": 0 (= enough for the longest case), "batchSize": 512,
//           "kvType": "F16" (default) | "F32" | ..., "flashAttention": false (default) | true | "auto",
//           "cases": [{"tokens": [ids, BOS included if wanted], "n": 32, "top": 5, "topEach": 0, "stopAtEog": false}]}
// Output (one JSON document on stdout): {"runtime", "settings", "loadMs", "vocabSize", "results": [{"tokens": [...],
//   "text": detokenized tokens, "stoppedAtEog": bool, "top": [[id, probability], ...] (after the prompt; softmax of the raw logits),
//   "topEach": null or, per generated token, the top "topEach" [id, probability] it was chosen from, "ms"}]}
//
// The package is loaded from the folder named by SRM4J_NODE_LLAMA_CPP_DIR (scripts/setup-references.sh installs it
// into build/references/node) because an ES module resolves bare imports only next to itself.
import {createRequire} from "node:module";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {pathToFileURL} from "node:url";

function fail(message) {
  process.stderr.write("llamacpp_greedy: " + message + "\n");
  process.exit(2);
}

const packageDir = process.env.SRM4J_NODE_LLAMA_CPP_DIR;
if (!packageDir) fail("SRM4J_NODE_LLAMA_CPP_DIR is not set");
let lib;
try {
  const resolved = createRequire(join(packageDir, "package.json")).resolve("node-llama-cpp");
  lib = await import(pathToFileURL(resolved).href);
} catch (e) {
  fail("node-llama-cpp not found under " + packageDir + ": " + e.message);
}
const {getLlama, LlamaLogLevel} = lib;

const request = JSON.parse(process.argv[2] ? readFileSync(process.argv[2], "utf8") : readFileSync(0, "utf8"));
if (typeof request.model !== "string") fail("request.model (path of a GGUF file) is required");
if (!Array.isArray(request.cases) || request.cases.length === 0) fail("request.cases must be a non-empty array");
for (const c of request.cases) {
  if (!Array.isArray(c.tokens) || c.tokens.length === 0 || !c.tokens.every(Number.isInteger)) fail("each case needs a non-empty integer array 'tokens'");
  if (!Number.isInteger(c.n) || c.n < 0) fail("each case needs an integer n >= 0");
}
// ggml splits work by output rows, so ids do not depend on the thread count; 1 avoids the spin-wait stalls that a
// 2-thread pool suffers on a busy 2-core machine (seconds per token).
const threads = request.threads ?? 1;
const longest = Math.max(...request.cases.map(c => c.tokens.length + c.n));
// Context must hold prompt + generation so that llama.cpp never shifts (drops) context mid-run.
const contextSize = Math.max(request.contextSize || 0, longest);
const batchSize = request.batchSize ?? 512;
const kvType = request.kvType ?? "F16";
// Off by default: llama.cpp's CPU flash-attention kernel rounds Q to F16 and accumulates differently, which changes
// greedy ids on real models (stories260K diverges at token 13); "auto" (llama.cpp's own default) turns it on on CPU.
const flashAttention = request.flashAttention ?? false;

const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error, maxThreads: threads});
const t0 = performance.now();
const model = await llama.loadModel({modelPath: request.model, gpuLayers: 0});
const context = await model.createContext({
  contextSize, batchSize, threads: {ideal: threads, min: threads}, sequences: 1, flashAttention,
  experimentalKvCacheKeyType: kvType, experimentalKvCacheValueType: kvType,
});
const loadMs = performance.now() - t0;
const vocabSize = model.fileInfo?.metadata?.tokenizer?.ggml?.tokens?.length ?? null;
for (const c of request.cases) {
  for (const t of c.tokens) if (vocabSize != null && (t < 0 || t >= vocabSize)) fail(`token ${t} outside the vocabulary (0..${vocabSize - 1})`);
}

// temperature 0 makes node-llama-cpp's sampler chain [greedy] only (no top-k/top-p/min-p/dist); no repeat penalty,
// token bias, grammar or DRY is configured, so each step is llama_sampler_greedy = first index of the largest logit.
const greedy = {temperature: 0, topK: 1, topP: 1, minP: 0};
const sequence = context.getSequence();
const results = [];
for (const c of request.cases) {
  await sequence.clearHistory();
  const started = performance.now();
  const out = [];
  let top = null;
  let stoppedAtEog = false;
  const steps = [];
  if (c.n > 0) {
    // The prompt goes in as one batch (as llama.cpp's own tools do); the last position yields the first token,
    // with the full probability list only when asked for (sorting the vocabulary costs time).
    const input = c.tokens.map((t, i) => i < c.tokens.length - 1 ? t
      : [t, {generateNext: {token: true, probabilities: (c.top ?? 0) > 0 || (c.topEach ?? 0) > 0, options: greedy}}]);
    const res = await sequence.controlledEvaluate(input);
    const last = res[c.tokens.length - 1];
    if (last?.next?.token == null) fail("llama.cpp returned no token after the prompt");
    if (c.top > 0) top = [...last.next.probabilities.entries()].slice(0, c.top);
    // Optional per-step top-k ("topEach"): tells a near-tie flip (tiny margin) from a real divergence. Costs a full
    // vocabulary sort per step, so only on request.
    const topEach = c.topEach ?? 0;
    const record = r => { if (topEach > 0) steps.push([...r.next.probabilities.entries()].slice(0, topEach)); };
    if (topEach > 0) {
      if (!last.next.probabilities) fail("internal: no probabilities after the prompt");
      record(last);
    }
    let next = last.next.token;
    while (true) {
      out.push(next);
      if (c.stopAtEog && model.isEogToken(next)) { stoppedAtEog = true; break; }
      if (out.length >= c.n) break;
      const step = await sequence.controlledEvaluate([[next, {generateNext: {token: true, probabilities: topEach > 0, options: greedy}}]]);
      next = step[0]?.next?.token;
      if (next == null) fail("llama.cpp returned no token at step " + out.length);
      record(step[0]);
    }
  } else {
    await sequence.evaluateWithoutGeneratingNewTokens(c.tokens);
  }
  const ms = Math.round(performance.now() - started);
  // Text as llama.cpp renders the ids after this prompt (special tokens as empty text), for comparing with text-only runtimes.
  results.push({tokens: out, text: model.detokenize(out, false, c.tokens), stoppedAtEog, top, topEach: steps.length ? steps : null, ms});
}

process.stdout.write(JSON.stringify({
  runtime: "node-llama-cpp " + readVersion() + " (llama.cpp release " + llama.llamaCppRelease?.release + ")",
  systemInfo: llama.systemInfo.trim(),
  settings: {threads, contextSize: context.contextSize, batchSize: context.batchSize, kvType, flashAttention: context.flashAttention, gpu: llama.gpu},
  loadMs: Math.round(loadMs), vocabSize, results,
}) + "\n");
// Disposing the model can take long; the results are out, so end the process at once.
process.exit(0);

function readVersion() {
  try {
    return JSON.parse(readFileSync(join(packageDir, "node_modules", "node-llama-cpp", "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}
