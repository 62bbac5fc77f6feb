// tests/support/text_corpus.h — deterministic text corpora for tokenizer tests.
//
// parity_corpus(): strings in every category the LLaMA-3 parity test must cover (prose, code,
// numbers and digit runs, whitespace runs and newlines, punctuation clusters, accented Latin,
// other scripts, CJK, emoji and ZWJ sequences, PAPER.md's prompts, special tokens in text,
// random mixtures). Characters on which the JavaScript reference is known to differ from Meta's
// tiktoken (U+FEFF, U+0085, U+017F) are left out; engine_edge_corpus() has them, for the
// tiktoken oracle.
// visworld_text(): VisWorld-style questions, reasoning steps and answers, for trainer tests
// (the world/ module is built separately; this is a stand-in with the same flavour).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace insightv::test {

struct CorpusString {
  std::string category;
  std::string text;
};

std::vector<CorpusString> parity_corpus(uint64_t seed, int per_category);
// Short random strings over an alphabet of the characters on which regex engines disagree
// (U+0085, U+FEFF, U+017F, U+180E, NBSP, U+2028, tabs, newlines) mixed with letters, digits,
// "'" and "!".
std::vector<CorpusString> engine_edge_corpus(uint64_t seed, int n);
std::string visworld_text(uint64_t seed, int lines);

// PAPER.md §2 and §5 prompts, verbatim.
extern const char* const kLlavaSystemPrompt;
extern const char* const kReasoningSuffix;
extern const char* const kSummaryPromptHead;

// A JSON-escaped, printable rendering of s for failure messages.
std::string show(const std::string& s);

}  // namespace insightv::test
