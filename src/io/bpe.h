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
  void reserve(size_t merges);
  size_t size() const { return count_; }

  // Appends the ids of one pre-token's bytes after merging. Every byte must have an id.
  void encode_piece(std::string_view bytes, std::vector<int32_t>& out) const;

 private:
  // Open addressing, linear probing, power-of-two size, load <= 1/2. A slot with rank < 0
  // is empty. Flat, so a lookup is one or two cache lines (the merge lookup is the hot loop).
  struct Merge {
    uint64_t key;
    int32_t rank = -1;
    int32_t merged = -1;
  };
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  size_t slot_of(uint64_t k) const { return (k * 0x9E3779B97F4A7C15ULL) >> shift_; }
  const Merge* find(int32_t a, int32_t b) const {
    const uint64_t k = key(a, b);
    const size_t mask = table_.size() - 1;
    for (size_t i = slot_of(k);; i = (i + 1) & mask) {
      const Merge& m = table_[i];
      if (m.rank < 0) return nullptr;
      if (m.key == k) return &m;
    }
  }
  void rehash(size_t slots);

  int32_t byte_id_[256];
  std::vector<Merge> table_;
  size_t count_ = 0, next_rank_ = 0;
  int shift_ = 64;
};

}  // namespace insightv
