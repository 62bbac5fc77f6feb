// io/tokenizer_file.h — the hub `tokenizer.json` / `tokenizer_config.json` format, read and
// written as a plain description (TokenizerSpec) of a byte-level BPE tokenizer.
//
// Supported (what LLaMA-3, GPT-2-style and this project's trained tokenizers use):
//   model            {"type": "BPE", vocab, merges ("a b" strings or ["a","b"] pairs),
//                     ignore_merges, byte_fallback: false, no subword prefix/suffix, no dropout}
//   normalizer       null
//   pre_tokenizer    Sequence[Split{Regex, behavior Isolated, invert false}, ByteLevel{use_regex
//                     false}] (LLaMA-3), or ByteLevel{use_regex true} (the GPT-2 pattern)
//   decoder          ByteLevel (or null)
//   added_tokens     [{id, content, special, lstrip, rstrip, normalized, single_word}]
//   post_processor   not interpreted: the BOS token is added on request (EncodeOptions)
// Anything else is an Error "[tokenizer] FILE: ... — hint" naming the unsupported field, never
// a silent approximation. tokenizer_config.json contributes bos/eos/pad/unk token strings and
// add_bos_token.
//
//   TokenizerSpec spec = read_tokenizer_files("ckpt/tokenizer.json");  // + config beside it
//   write_tokenizer_files("out/", spec);   // tokenizer.json + tokenizer_config.json, atomic
//
// Pure data; no state. Validation of ids and merges happens when a Tokenizer is built.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/json.h"

namespace insightv {

struct AddedTokenSpec {
  int32_t id = -1;
  std::string content;      // raw text, matched in the input before BPE
  bool special = true;      // special tokens can be skipped when decoding / not parsed
  bool lstrip = false;      // swallow whitespace on the left / right when matched
  bool rstrip = false;
  bool normalized = false;  // kept for round trips (no normalizer is supported)
  bool single_word = false; // kept for round trips; not interpreted
};

struct TokenizerSpec {
  std::string source;  // where it came from, for error messages
  std::vector<std::pair<std::string, int32_t>> vocab;  // token (byte-level alphabet) → id
  std::vector<std::pair<std::string, std::string>> merges;
  bool ignore_merges = false;
  std::string unk_token;  // model.unk_token; empty when none
  std::vector<AddedTokenSpec> added_tokens;
  std::string pattern;            // pre-tokenizer split regex
  bool byte_level_regex = false;  // true: written as ByteLevel{use_regex: true} (GPT-2 pattern)
  bool add_prefix_space = false;
  // tokenizer_config.json
  std::string bos_token, eos_token, pad_token;
  bool add_bos_token = false;
};

// Parses tokenizer.json content; `source` names it in errors.
TokenizerSpec parse_tokenizer_json(const json& root, const std::string& source);
// Adds the fields of a tokenizer_config.json.
void apply_tokenizer_config(const json& config, const std::string& source, TokenizerSpec& spec);
// Reads tokenizer.json (a file, or a folder holding one) and tokenizer_config.json beside it
// when present.
TokenizerSpec read_tokenizer_files(const std::string& path);

ordered_json tokenizer_json(const TokenizerSpec& spec);
ordered_json tokenizer_config_json(const TokenizerSpec& spec);
// Writes dir/tokenizer.json and dir/tokenizer_config.json atomically (creates dir).
void write_tokenizer_files(const std::string& dir, const TokenizerSpec& spec);

}  // namespace insightv
