// tests/tools/llama3_tiktoken_ref.cjs — Meta's reference LLaMA-3 tokenizer, for the parity test.
// Usage: node llama3_tiktoken_ref.cjs NODE_MODULES_DIR TOKENIZER_JSON < strings.jsonl > ids.jsonl
// Meta's own LLaMA-3 tokenizer is tiktoken (Rust, fancy-regex) over ranks = token ids with the
// pre-tokenizer pattern of tokenizer.json. The npm package `tiktoken` is that Rust code compiled
// to WebAssembly; this script builds the LLaMA-3 encoder from the hub tokenizer.json (undoing the
// byte-level alphabet to get each token's bytes) and prints one JSON id array per input line.
// Special tokens in the text are encoded as special tokens (allowed_special = "all").
const fs = require("fs");
const path = require("path");

const [modules, tokenizerJson] = process.argv.slice(2);
if (!modules || !tokenizerJson) {
  console.error("usage: node llama3_tiktoken_ref.cjs NODE_MODULES_DIR TOKENIZER_JSON < strings.jsonl");
  process.exit(2);
}
const { Tiktoken } = require(path.join(path.resolve(modules), "tiktoken"));
const tj = JSON.parse(fs.readFileSync(tokenizerJson, "utf8"));

// GPT-2 byte-level alphabet: printable bytes map to themselves, the rest to U+0100 onwards.
const bytes = [];
for (let b = 33; b <= 126; b++) bytes.push(b);
for (let b = 161; b <= 172; b++) bytes.push(b);
for (let b = 174; b <= 255; b++) bytes.push(b);
const codepoints = bytes.slice();
for (let b = 0, n = 0; b < 256; b++) if (!bytes.includes(b)) { bytes.push(b); codepoints.push(256 + n++); }
const byteOf = new Map(bytes.map((b, i) => [String.fromCodePoint(codepoints[i]), b]));

const ranks = Object.entries(tj.model.vocab).map(
  ([tok, id]) => Buffer.from([...tok].map((c) => byteOf.get(c))).toString("base64") + " " + id);
const specials = Object.fromEntries(tj.added_tokens.map((t) => [t.content, t.id]));
const pattern = tj.pre_tokenizer.pretokenizers[0].pattern.Regex;
const enc = new Tiktoken(ranks.join("\n"), specials, pattern);

const out = [];
for (const line of fs.readFileSync(0, "utf8").split("\n")) {
  if (line.length === 0) continue;
  out.push(JSON.stringify(Array.from(enc.encode(JSON.parse(line), "all"))));
}
enc.free();
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
