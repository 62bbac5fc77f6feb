// io/tokenizer.cpp — see tokenizer.h.
#include "io/tokenizer.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <unordered_map>

#include "io/bpe.h"
#include "io/byte_level.h"
#include "io/piece_cache.h"
#include "io/pretokenize.h"
#include "util/error.h"

namespace insightv {

namespace {

enum Kind : uint8_t { kNone = 0, kVocab = 1, kAdded = 2, kSpecial = 3 };

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string show_byte(int b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", b);
  return buf;
}

// Every Tokenizer (and every clear_cache) gets a fresh number, so that a thread's cache is
// never reused for another tokenizer, even one allocated at the same address.
std::atomic<uint64_t> g_cache_epoch{1};

// The calling thread's piece caches, one per tokenizer it has used recently.
struct ThreadCaches {
  static constexpr size_t kMaxTokenizers = 4;
  struct Entry {
    uint64_t epoch;
    PieceCache cache;
  };
  std::vector<std::unique_ptr<Entry>> entries;

  PieceCache& get(uint64_t epoch, size_t max_entries) {
    for (auto& e : entries)
      if (e->epoch == epoch) return e->cache;
    if (entries.size() >= kMaxTokenizers) entries.erase(entries.begin());
    entries.push_back(std::unique_ptr<Entry>(new Entry{epoch, PieceCache(max_entries)}));
    return entries.back()->cache;
  }
  const PieceCache* find(uint64_t epoch) const {
    for (const auto& e : entries)
      if (e->epoch == epoch) return &e->cache;
    return nullptr;
  }
};

ThreadCaches& thread_caches() {
  thread_local ThreadCaches caches;
  return caches;
}

}  // namespace

struct Tokenizer::Impl {
  TokenizerSpec spec;
  std::unique_ptr<Pretokenizer> pre;
  BpeMerges merges;
  std::unordered_map<std::string, int32_t> vocab_ids;  // vocabulary text → id
  std::unordered_map<std::string, int32_t> added_ids;  // added content → id
  std::vector<std::string> id_text, id_bytes;
  std::vector<uint8_t> kind;
  int32_t bos = -1, eos = -1, pad = -1;
  // Added tokens by first byte, longest first, for leftmost-longest matching.
  std::vector<int> added_by_byte[256];
  bool added_first_byte[256] = {};

  // Identifies this tokenizer's per-thread caches; a new value invalidates them all.
  mutable std::atomic<uint64_t> epoch{g_cache_epoch.fetch_add(1)};

  void set_id(int32_t id, const std::string& text, std::string bytes, Kind k) {
    if (static_cast<size_t>(id) >= kind.size()) {
      id_text.resize(id + 1);
      id_bytes.resize(id + 1);
      kind.resize(id + 1, kNone);
    }
    id_text[id] = text;
    id_bytes[id] = std::move(bytes);
    kind[id] = k;
  }

  void index_added() {
    for (auto& v : added_by_byte) v.clear();
    std::fill(std::begin(added_first_byte), std::end(added_first_byte), false);
    for (size_t i = 0; i < spec.added_tokens.size(); ++i) {
      const auto b = static_cast<unsigned char>(spec.added_tokens[i].content[0]);
      added_by_byte[b].push_back(static_cast<int>(i));
      added_first_byte[b] = true;
    }
    for (auto& v : added_by_byte)
      std::stable_sort(v.begin(), v.end(), [&](int a, int b) {
        return spec.added_tokens[a].content.size() > spec.added_tokens[b].content.size();
      });
  }

  int32_t resolve_config_token(const std::string& content, const char* field) const {
    if (content.empty()) return -1;
    auto it = added_ids.find(content);
    if (it != added_ids.end()) return it->second;
    auto v = vocab_ids.find(bytes_to_token_text(content));
    check(v != vocab_ids.end(), "tokenizer",
          spec.source + ": " + field + " '" + content + "' is not a token of this tokenizer",
          "fix tokenizer_config.json or add the token");
    return v->second;
  }

  void build() {
    const std::string& src = spec.source;
    pre = std::make_unique<Pretokenizer>(spec.pattern);
    vocab_ids.reserve(spec.vocab.size());
    for (const auto& [text, id] : spec.vocab) {
      check(vocab_ids.emplace(text, id).second, "tokenizer",
            src + ": vocab token '" + text + "' appears twice");
      if (static_cast<size_t>(id) < kind.size() && kind[id] != kNone)
        throw Error("tokenizer", src + ": vocab id " + std::to_string(id) + " is used twice ('" +
                                     id_text[id] + "' and '" + text + "')",
                    "every vocabulary id must be unique");
      std::string bytes;
      if (!token_text_to_bytes(text, bytes)) bytes = text;  // not byte-level: decodes as itself
      set_id(id, text, std::move(bytes), kVocab);
    }
    for (int b = 0; b < 256; ++b) {
      const std::string sym = bytes_to_token_text(std::string(1, static_cast<char>(b)));
      auto it = vocab_ids.find(sym);
      check(it != vocab_ids.end(), "tokenizer",
            src + ": vocab lacks the byte-level symbol '" + sym + "' for byte " + show_byte(b),
            "a byte-level BPE vocabulary must hold all 256 byte symbols");
      merges.set_byte_id(static_cast<uint8_t>(b), it->second);
    }
    merges.reserve(spec.merges.size());
    for (size_t i = 0; i < spec.merges.size(); ++i) {
      // Plain references, not a structured binding: C++17 lambdas cannot capture those (clang).
      const std::string& l = spec.merges[i].first;
      const std::string& r = spec.merges[i].second;
      auto find = [&](const std::string& t, const char* what) {
        auto it = vocab_ids.find(t);
        if (it == vocab_ids.end())
          throw Error("tokenizer",
                      src + ": merge " + std::to_string(i) + " '" + l + " " + r + "' " + what +
                          " '" + t + "', which is not in the vocab",
                      "the merges do not belong to this vocab — file corrupted or mixed up?");
        return it->second;
      };
      const int32_t a = find(l, "references");
      const int32_t b = find(r, "references");
      const int32_t m = find(l + r, "produces");
      merges.add_merge(a, b, m);
    }
    for (const auto& t : spec.added_tokens) register_added(t);
    index_added();
    bos = resolve_config_token(spec.bos_token, "bos_token");
    eos = resolve_config_token(spec.eos_token, "eos_token");
    pad = resolve_config_token(spec.pad_token, "pad_token");
  }

  void register_added(const AddedTokenSpec& t) {
    auto [it, inserted] = added_ids.emplace(t.content, t.id);
    check(inserted, "tokenizer", spec.source + ": added token '" + t.content + "' appears twice");
    if (static_cast<size_t>(t.id) < kind.size() && kind[t.id] >= kAdded)
      throw Error("tokenizer", spec.source + ": added token id " + std::to_string(t.id) +
                                   " is used twice ('" + id_text[t.id] + "' and '" + t.content + "')");
    set_id(t.id, t.content, t.content, t.special ? kSpecial : kAdded);
  }

  // Leftmost-longest added token at or after `from`; returns its index or -1.
  int find_added(std::string_view text, size_t from, bool parse_special, size_t* at) const {
    for (size_t i = from; i < text.size(); ++i) {
      const auto b = static_cast<unsigned char>(text[i]);
      if (!added_first_byte[b]) continue;
      for (int k : added_by_byte[b]) {
        const AddedTokenSpec& t = spec.added_tokens[k];
        if (t.special && !parse_special) continue;
        if (t.content.size() <= text.size() - i &&
            std::memcmp(text.data() + i, t.content.data(), t.content.size()) == 0) {
          *at = i;
          return k;
        }
      }
    }
    return -1;
  }

  void encode_piece_uncached(std::string_view piece, std::vector<int32_t>& out) const {
    if (spec.ignore_merges && piece.size() > 1) {
      thread_local std::string text;
      text.clear();
      append_bytes_as_token_text(piece, text);
      auto it = vocab_ids.find(text);
      if (it != vocab_ids.end()) {
        out.push_back(it->second);
        return;
      }
    }
    merges.encode_piece(piece, out);
  }

  void encode_piece(std::string_view piece, std::vector<int32_t>& out, PieceCache& cache) const {
    if (piece.size() == 1) {  // a single byte is its own token
      out.push_back(merges.byte_id(static_cast<uint8_t>(piece[0])));
      return;
    }
    if (piece.size() > 128) {
      encode_piece_uncached(piece, out);
      return;
    }
    const uint64_t h = PieceCache::hash(piece);
    if (const auto hit = cache.find(piece, h)) {
      out.insert(out.end(), hit.ids, hit.ids + hit.n);
      return;
    }
    const size_t start = out.size();
    encode_piece_uncached(piece, out);
    cache.insert(piece, h, out.data() + start, out.size() - start);
  }

  void encode_section(std::string_view text, std::vector<int32_t>& out) const {
    if (text.empty()) return;
    std::string prefixed;
    if (spec.add_prefix_space && text[0] != ' ') {
      prefixed = " ";
      prefixed.append(text.data(), text.size());
      text = prefixed;
    }
    PieceCache& cache = thread_caches().get(epoch.load(std::memory_order_relaxed), kCacheEntries);
    pre->split(text, [&](std::string_view piece) { encode_piece(piece, out, cache); });
  }
};

Tokenizer Tokenizer::load(const std::string& path) { return Tokenizer(read_tokenizer_files(path)); }

Tokenizer::Tokenizer(TokenizerSpec spec) : impl_(std::make_unique<Impl>()) {
  impl_->spec = std::move(spec);
  impl_->build();
}

Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

void Tokenizer::encode_append(std::string_view text, std::vector<int32_t>& out,
                              const EncodeOptions& opt) const {
  const Impl& m = *impl_;
  const size_t valid = valid_utf8_prefix(text);
  if (valid != text.size())
    throw Error("tokenizer", "input is not valid UTF-8 at byte " + std::to_string(valid) + " of " +
                                 std::to_string(text.size()),
                "decode the text to UTF-8 before tokenizing");
  if (opt.add_bos) {
    check(m.bos >= 0, "tokenizer", "add_bos requested but the tokenizer has no bos_token",
          "set bos_token in tokenizer_config.json");
    out.push_back(m.bos);
  }
  size_t pos = 0;
  while (pos < text.size()) {
    size_t at = 0;
    const int k = m.find_added(text, pos, opt.parse_special, &at);
    if (k < 0) {
      m.encode_section(text.substr(pos), out);
      break;
    }
    const AddedTokenSpec& t = m.spec.added_tokens[k];
    size_t end = at;
    if (t.lstrip)
      while (end > pos && is_ascii_space(text[end - 1])) --end;
    m.encode_section(text.substr(pos, end - pos), out);
    out.push_back(t.id);
    pos = at + t.content.size();
    if (t.rstrip)
      while (pos < text.size() && is_ascii_space(text[pos])) ++pos;
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, const EncodeOptions& opt) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  encode_append(text, ids, opt);
  return ids;
}

const std::string& Tokenizer::token_bytes(int32_t id) const {
  const Impl& m = *impl_;
  check(id >= 0 && static_cast<size_t>(id) < m.kind.size() && m.kind[id] != kNone, "tokenizer",
        "token id " + std::to_string(id) + " is not in this tokenizer (vocab size " +
            std::to_string(m.kind.size()) + ")",
        "ids from another tokenizer, or an image placeholder (-200) not spliced out?");
  return m.id_bytes[id];
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, const DecodeOptions& opt) const {
  std::string out;
  out.reserve(ids.size() * 4);
  for (int32_t id : ids) {
    const std::string& b = token_bytes(id);
    if (opt.skip_special && impl_->kind[id] == kSpecial) continue;
    out += b;
  }
  return opt.repair_utf8 ? repair_utf8(out) : out;
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
  const std::string key(token);
  auto a = impl_->added_ids.find(key);
  if (a != impl_->added_ids.end()) return a->second;
  auto v = impl_->vocab_ids.find(key);
  return v == impl_->vocab_ids.end() ? -1 : v->second;
}

const std::string& Tokenizer::id_to_token(int32_t id) const {
  token_bytes(id);  // validates
  return impl_->id_text[id];
}

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->kind.size() && impl_->kind[id] == kSpecial;
}

bool Tokenizer::is_added(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->kind.size() && impl_->kind[id] >= kAdded;
}

int32_t Tokenizer::vocab_size() const { return static_cast<int32_t>(impl_->kind.size()); }
int32_t Tokenizer::bos_id() const { return impl_->bos; }
int32_t Tokenizer::eos_id() const { return impl_->eos; }
int32_t Tokenizer::pad_id() const { return impl_->pad; }
const TokenizerSpec& Tokenizer::spec() const { return impl_->spec; }

std::vector<int32_t> Tokenizer::add_tokens(const std::vector<std::string>& contents, bool special) {
  Impl& m = *impl_;
  std::vector<int32_t> ids;
  for (const std::string& c : contents) {
    check(!c.empty() && valid_utf8_prefix(c) == c.size(), "tokenizer",
          "cannot add an empty or non-UTF-8 token", "added tokens are non-empty UTF-8 text");
    auto it = m.added_ids.find(c);
    if (it != m.added_ids.end()) {
      ids.push_back(it->second);
      continue;
    }
    AddedTokenSpec t;
    t.id = vocab_size();
    t.content = c;
    t.special = special;
    m.spec.added_tokens.push_back(t);
    m.register_added(t);
    ids.push_back(t.id);
  }
  m.index_added();
  clear_cache();
  return ids;
}

size_t Tokenizer::cache_entries() const {
  const PieceCache* c = thread_caches().find(impl_->epoch.load(std::memory_order_relaxed));
  return c == nullptr ? 0 : c->size();
}

void Tokenizer::clear_cache() const {
  impl_->epoch.store(g_cache_epoch.fetch_add(1), std::memory_order_relaxed);
}

}  // namespace insightv
