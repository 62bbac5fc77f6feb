// io/bpe.h — byte-level BPE merging of one pre-token, by merge rank.
//
// The model holds the id of each of the 256 byte symbols and the merge table
// (left id, right id) → (rank, merged id). encode_piece() starts from the piece's bytes and
// repeatedly applies the lowest-ranked merge present, leftmost first on ties — the rule of
// the reference implementations — using a linked list of symbols and a binary heap, so a
// piece of n bytes costs O(n log n) (no quadratic rescans on long inputs).
//
//   BpeMerges m;  m.set_byte_id(b, id) for all 256 bytes;  m.add_merge(a, b, merged);
//   std::vector<int32_t> ids;  m.encode_piece("hello", ids);
//
// Immutable after construction, so encode_piece() is thread-safe. Does no caching: the
// tokenizer (io/tokenizer.h) caches pieces. Not here: the pre-tokenizer, added tokens.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace insightv {

class BpeMerges {
 public:
  BpeMerges();

  void set_byte_id(uint8_t byte, int32_t id) { byte_id_[byte] = id; }
  int32_t byte_id(uint8_t byte) const { return byte_id_[byte]; }
  // Adds the next merge (ranks are given in call order). Returns false when the pair was
  // already present (the earlier rank is kept, as the reference loaders do).
  bool add_merge(int32_t left, int32_t right, int32_t merged);
  void reserve(size_t merges) { table_.reserve(merges); }
  size_t size() const { return table_.size(); }

  // Appends the ids of one pre-token's bytes after merging. Every byte must have an id.
  void encode_piece(std::string_view bytes, std::vector<int32_t>& out) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t merged;
  };
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  const Merge* find(int32_t a, int32_t b) const {
    auto it = table_.find(key(a, b));
    return it == table_.end() ? nullptr : &it->second;
  }

  int32_t byte_id_[256];
  std::unordered_map<uint64_t, Merge> table_;
};

}  // namespace insightv
