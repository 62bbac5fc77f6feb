// io/bpe_trainer.cpp — see bpe_trainer.h.
#include "io/bpe_trainer.h"

#include <algorithm>
#include <queue>
#include <unordered_map>

#include "io/byte_level.h"
#include "io/pretokenize.h"
#include "util/error.h"
#include "util/timer.h"

namespace insightv {

std::vector<std::string> default_special_tokens() {
  return {"<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
          "<|eot_id|>",        "<|im_start|>",    "<|im_end|>",          "<image>",
          "<thoughts>",        "</thoughts>",     "<output>",            "</output>"};
}

namespace {

using Pair = uint64_t;
Pair make_pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}
int32_t left_of(Pair p) { return static_cast<int32_t>(p >> 32); }
int32_t right_of(Pair p) { return static_cast<int32_t>(p & 0xFFFFFFFFu); }

struct Word {
  std::vector<int32_t> syms;
  int64_t count = 0;
};

struct HeapEntry {
  int64_t count;
  Pair pair;
  // Max-heap on count; on equal counts the smaller pair key comes first.
  bool operator<(const HeapEntry& o) const {
    return count != o.count ? count < o.count : pair > o.pair;
  }
};

// The corpus with every occurrence of a special token cut out, as sections.
std::vector<std::string_view> cut_specials(std::string_view text,
                                           const std::vector<std::string>& specials) {
  std::vector<std::pair<size_t, size_t>> cuts;
  for (const std::string& s : specials)
    for (size_t p = text.find(s); p != std::string_view::npos; p = text.find(s, p + s.size()))
      cuts.emplace_back(p, p + s.size());
  std::sort(cuts.begin(), cuts.end());
  std::vector<std::string_view> out;
  size_t pos = 0;
  for (const auto& [b, e] : cuts) {
    if (b < pos) continue;  // overlaps a cut already taken
    if (b > pos) out.push_back(text.substr(pos, b - pos));
    pos = e;
  }
  if (pos < text.size()) out.push_back(text.substr(pos));
  return out;
}

}  // namespace

TokenizerSpec train_bpe(std::string_view corpus, const BpeTrainerOptions& opt, BpeTrainStats* stats) {
  Stopwatch sw;
  const int n_special = static_cast<int>(opt.special_tokens.size());
  check(opt.vocab_size >= 256 + n_special, "bpe_trainer",
        "vocab_size " + std::to_string(opt.vocab_size) + " is below 256 bytes + " +
            std::to_string(n_special) + " special tokens",
        "choose a vocab size of at least " + std::to_string(256 + n_special));
  check(valid_utf8_prefix(corpus) == corpus.size(), "bpe_trainer",
        "corpus is not valid UTF-8 at byte " + std::to_string(valid_utf8_prefix(corpus)),
        "convert the corpus to UTF-8");
  const std::string pattern = opt.pattern.empty() ? std::string(kLlama3Pattern) : opt.pattern;
  const Pretokenizer pre(pattern);

  // Count distinct pieces.
  std::unordered_map<std::string, int64_t> piece_counts;
  for (std::string_view section : cut_specials(corpus, opt.special_tokens))
    pre.split(section, [&](std::string_view piece) { ++piece_counts[std::string(piece)]; });

  // Symbols: bytes first, in the alphabet's order.
  std::vector<std::string> text;  // id → token text (byte-level alphabet)
  std::unordered_map<std::string, int32_t> ids;
  int32_t byte_sym[256];
  const uint8_t* order = byte_alphabet_order();
  for (int i = 0; i < 256; ++i) {
    byte_sym[order[i]] = i;
    text.push_back(bytes_to_token_text(std::string(1, static_cast<char>(order[i]))));
    ids.emplace(text.back(), i);
  }
  // Words in a fixed order (sorted by piece) so that training is deterministic.
  std::vector<std::pair<std::string, int64_t>> pieces(piece_counts.begin(), piece_counts.end());
  std::sort(pieces.begin(), pieces.end());
  std::vector<Word> words;
  words.reserve(pieces.size());
  std::unordered_map<Pair, int64_t> pair_count;
  std::unordered_map<Pair, std::vector<int32_t>> where;
  for (const auto& [piece, count] : pieces) {
    Word w;
    w.count = count;
    for (unsigned char b : piece) w.syms.push_back(byte_sym[b]);
    const int32_t wi = static_cast<int32_t>(words.size());
    for (size_t i = 0; i + 1 < w.syms.size(); ++i) {
      const Pair p = make_pair_key(w.syms[i], w.syms[i + 1]);
      pair_count[p] += count;
      auto& lst = where[p];
      if (lst.empty() || lst.back() != wi) lst.push_back(wi);
    }
    words.push_back(std::move(w));
  }
  std::priority_queue<HeapEntry> heap;
  for (const auto& [p, c] : pair_count) heap.push({c, p});

  TokenizerSpec spec;
  std::vector<int32_t> seen(words.size(), -1);  // last merge step that touched a word
  int32_t vocab = 256;
  const int32_t target = opt.vocab_size - n_special;
  while (vocab < target && !heap.empty()) {
    const HeapEntry top = heap.top();
    heap.pop();
    auto pc = pair_count.find(top.pair);
    const int64_t current = pc == pair_count.end() ? 0 : pc->second;
    if (current != top.count) {  // stale entry: requeue with the current count
      if (current > 0) heap.push({current, top.pair});
      continue;
    }
    if (current < opt.min_frequency) break;
    const int32_t a = left_of(top.pair), b = right_of(top.pair);
    const std::string merged_text = text[a] + text[b];
    int32_t m;
    auto known = ids.find(merged_text);
    if (known != ids.end()) {
      m = known->second;  // the same string was already built by another merge
    } else {
      m = static_cast<int32_t>(text.size());
      text.push_back(merged_text);
      ids.emplace(merged_text, m);
      ++vocab;
    }
    spec.merges.emplace_back(text[a], text[b]);
    const int32_t step = static_cast<int32_t>(spec.merges.size());
    std::vector<int32_t> affected;
    affected.swap(where[top.pair]);
    for (int32_t wi : affected) {
      if (seen[wi] == step) continue;
      seen[wi] = step;
      Word& w = words[wi];
      std::vector<int32_t>& s = w.syms;
      bool has = false;
      for (size_t i = 0; i + 1 < s.size(); ++i) has |= (s[i] == a && s[i + 1] == b);
      if (!has) continue;
      for (size_t i = 0; i + 1 < s.size(); ++i) pair_count[make_pair_key(s[i], s[i + 1])] -= w.count;
      std::vector<int32_t> out;
      out.reserve(s.size());
      for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
          out.push_back(m);
          ++i;
        } else {
          out.push_back(s[i]);
        }
      }
      s.swap(out);
      for (size_t i = 0; i + 1 < s.size(); ++i) {
        const Pair p = make_pair_key(s[i], s[i + 1]);
        pair_count[p] += w.count;
        if (s[i] == m || s[i + 1] == m) {
          auto& lst = where[p];
          if (lst.empty() || lst.back() != wi) lst.push_back(wi);
        }
      }
      for (size_t i = 0; i + 1 < s.size(); ++i)
        if (s[i] == m || s[i + 1] == m) {
          const Pair p = make_pair_key(s[i], s[i + 1]);
          heap.push({pair_count[p], p});
        }
    }
    pair_count.erase(top.pair);
  }

  spec.source = "trained";
  spec.pattern = pattern;
  spec.ignore_merges = false;
  spec.vocab.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) spec.vocab.emplace_back(text[i], static_cast<int32_t>(i));
  int32_t next_id = static_cast<int32_t>(text.size());
  for (const std::string& s : opt.special_tokens) {
    AddedTokenSpec t;
    t.id = next_id++;
    t.content = s;
    t.special = true;
    spec.added_tokens.push_back(t);
    if (s == "<|begin_of_text|>") spec.bos_token = s;
    if (s == "<|end_of_text|>") spec.eos_token = s;
  }
  if (stats != nullptr) {
    stats->corpus_bytes = corpus.size();
    stats->distinct_pieces = pieces.size();
    stats->merges = spec.merges.size();
    stats->seconds = sw.seconds();
  }
  return spec;
}

}  // namespace insightv
