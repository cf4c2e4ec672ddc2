// Tokenizes texts with Hugging Face's own JavaScript tokenizers (npm @huggingface/tokenizers, pure JS) from an
// exported tokenizer.json + tokenizer_config.json: an independent reader of the files srm4j writes.
// stdin: {"dir": FOLDER, "texts": [...]}; stdout: one JSON line {"ids": [[...], ...], "decoded": [...]}.
// SRM4J_HF_TOKENIZERS_DIR is the folder holding node_modules/@huggingface/tokenizers.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const lib = path.join(process.env.SRM4J_HF_TOKENIZERS_DIR, "node_modules/@huggingface/tokenizers/dist/tokenizers.mjs");
const { Tokenizer } = await import(pathToFileURL(lib).href);
const req = JSON.parse(readFileSync(0, "utf8"));
const json = JSON.parse(readFileSync(path.join(req.dir, "tokenizer.json"), "utf8"));
const config = JSON.parse(readFileSync(path.join(req.dir, "tokenizer_config.json"), "utf8"));
const tokenizer = new Tokenizer(json, config);
const ids = req.texts.map((t) => Array.from(tokenizer.encode(t, { add_special_tokens: false }).ids));
const decoded = ids.map((x) => (x.length ? tokenizer.decode(x, { skip_special_tokens: false }) : ""));
process.stdout.write(JSON.stringify({ ids, decoded }) + "\n");
