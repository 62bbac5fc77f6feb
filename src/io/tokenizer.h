// io/tokenizer.h — byte-level BPE tokenizer loaded from a hub tokenizer.json (LLaMA-3, GPT-2
// style, or one trained by io/bpe_trainer.h), with encode, decode and added tokens.
//
//   Tokenizer tok = Tokenizer::load("ckpt/tokenizer.json");  // or the folder holding it
//   std::vector<int32_t> ids = tok.encode("Hello<|eot_id|>");  // special tokens parsed
//   std::string text = tok.decode(ids);                         // == "Hello<|eot_id|>"
//   tok.add_tokens({"<image>", "<thoughts>", "</thoughts>", "<output>", "</output>"});
//   tok.save("out/");                                          // tokenizer.json + config
//
// Encoding, as the reference (HF tokenizers) does it: (1) added tokens are found first,
// leftmost-longest (special ones only when parse_special is on; lstrip/rstrip swallow ASCII
// whitespace beside them); (2) every stretch between them is split by the pre-tokenizer regex
// (io/pretokenize.h); (3) each piece's bytes are merged by rank (io/bpe.h) — or, with
// ignore_merges, taken whole when the piece is itself a vocabulary token. Input must be valid
// UTF-8 (checked; Error otherwise). decode() returns the raw bytes, so a multi-byte character
// split across tokens comes back whole once all its tokens are decoded; DecodeOptions::
// repair_utf8 replaces what is still invalid by U+FFFD.
//
// Cost: pieces are cached per thread (piece bytes → ids, io/piece_cache.h; up to
// kCacheEntries per thread and tokenizer, then that cache restarts; ~3 MB each). A cold piece of
// n bytes costs O(n log n). Thread-safety: encode/decode/lookups are const and may run
// concurrently (no shared mutable state: each thread has its own caches); add_tokens() is
// not — call it before sharing the tokenizer. Movable, not copyable (it owns a compiled regex).
// Not here: chat templates (io/chat_template.h), training (io/bpe_trainer.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/tokenizer_file.h"

namespace insightv {

struct EncodeOptions {
  bool add_bos = false;        // prepend the BOS token (tokenizer_config.json's bos_token)
  bool parse_special = true;   // match special added tokens in the text; off: they are text
};

struct DecodeOptions {
  bool skip_special = false;   // drop special added tokens (e.g. <|eot_id|>)
  bool repair_utf8 = false;    // replace invalid UTF-8 in the result by U+FFFD
};

class Tokenizer {
 public:
  static constexpr size_t kCacheEntries = 1 << 16;

  // Loads tokenizer.json (a file, or a folder with one) and tokenizer_config.json beside it.
  static Tokenizer load(const std::string& path);
  // Builds from a parsed description; validates ids, the byte alphabet and the merges.
  explicit Tokenizer(TokenizerSpec spec);
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  std::vector<int32_t> encode(std::string_view text, const EncodeOptions& opt = {}) const;
  void encode_append(std::string_view text, std::vector<int32_t>& out,
                     const EncodeOptions& opt = {}) const;
  std::string decode(const std::vector<int32_t>& ids, const DecodeOptions& opt = {}) const;
  // The raw bytes token `id` stands for (an added token's content). Throws on unknown ids.
  const std::string& token_bytes(int32_t id) const;

  // The id of a vocabulary token (in the byte-level alphabet, e.g. "Ġthe") or of an added
  // token's content; -1 when there is none.
  int32_t token_to_id(std::string_view token) const;
  // The vocabulary string of id (added tokens: their content). Throws on unknown ids.
  const std::string& id_to_token(int32_t id) const;
  bool is_special(int32_t id) const;
  bool is_added(int32_t id) const;
  // One past the largest id.
  int32_t vocab_size() const;

  int32_t bos_id() const;  // -1 when the tokenizer has none
  int32_t eos_id() const;
  int32_t pad_id() const;

  // Adds tokens (matched before BPE) and returns their ids; a content that is already an
  // added token keeps its id. New ids follow the largest id. Not thread-safe.
  std::vector<int32_t> add_tokens(const std::vector<std::string>& contents, bool special = true);

  // The description this tokenizer was built from, including added tokens.
  const TokenizerSpec& spec() const;
  void save(const std::string& dir) const { write_tokenizer_files(dir, spec()); }

  // Entries in the calling thread's cache for this tokenizer.
  size_t cache_entries() const;
  // Invalidates this tokenizer's caches in every thread.
  void clear_cache() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace insightv
