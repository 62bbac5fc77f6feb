// io/pretokenize.h — the pre-tokenizer: splits text into pieces with a regex before BPE.
//
// Byte-level BPE tokenizers cut text into "pre-tokens" (words, number groups, punctuation
// runs, whitespace runs) with one regex and then merge bytes only inside each piece. The
// pattern comes from tokenizer.json; two are built in:
//   kLlama3Pattern — LLaMA-3 / GPT-4 (cl100k): Unicode letters, digits in groups of 1–3, ...
//   kGpt2Pattern   — GPT-2, used by a ByteLevel pre-tokenizer with use_regex: true.
// The regex engine is PCRE2 (UTF + UCP, JIT-compiled), which supports \p{L}, \p{N} and the
// case-insensitive group `(?i:'s|'t|...)` as written in hub files.
//
// Exactness: `\s` in the reference engines (Meta's tiktoken, HF tokenizers) means Unicode
// White_Space; PCRE2's `\s` also matches U+180E (MONGOLIAN VOWEL SEPARATOR), so the pattern is
// rewritten to leave it out (see adapt_whitespace_class; checked against tiktoken by the parity
// tests). Behaviour is "Isolated": every match is a piece, and so is every stretch of text
// between matches. \p{L}/\p{N} follow PCRE2's Unicode tables (10.42: Unicode 14).
//
//   Pretokenizer pre(kLlama3Pattern);
//   pre.split(text, [&](std::string_view piece) { ... });   // pieces cover text exactly
//
// Thread-safe: split() may run concurrently (each call has its own match data).
// Input must be valid UTF-8 (the tokenizer checks it once per text).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace insightv {

extern const char* const kLlama3Pattern;
extern const char* const kGpt2Pattern;

// The pattern with `\s` narrowed to Unicode White_Space (drops U+180E). Exposed for tests.
std::string adapt_whitespace_class(const std::string& pattern);

class Pretokenizer {
 public:
  // Compiles pattern; throws Error("[tokenizer] bad pre-tokenizer regex at offset N: ...").
  explicit Pretokenizer(const std::string& pattern);
  ~Pretokenizer();
  Pretokenizer(const Pretokenizer&) = delete;
  Pretokenizer& operator=(const Pretokenizer&) = delete;

  // Calls emit for each piece of text, in order; the pieces concatenate to text.
  template <typename F>
  void split(std::string_view text, F&& emit) const {
    split_impl(text, [](void* ctx, const char* p, size_t n) {
      (*static_cast<F*>(ctx))(std::string_view(p, n));
    }, &emit);
  }
  std::vector<std::string> split_to_vector(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }
  bool jit() const { return jit_; }

 private:
  using EmitFn = void (*)(void* ctx, const char* p, size_t n);
  void split_impl(std::string_view text, EmitFn emit, void* ctx) const;

  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*
  bool jit_ = false;
};

}  // namespace insightv
