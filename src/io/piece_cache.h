// io/piece_cache.h — a flat cache from pre-token bytes to token ids, for the tokenizer.
//
// Open addressing (linear probing) over a power-of-two slot array; keys and ids live in two
// arenas, so an insert allocates nothing once warm and a lookup touches one slot and the key
// bytes. When it holds max_entries, or its key bytes would pass kMaxKeyBytes, it empties itself
// (no LRU bookkeeping on the hot path: text is bursty and a restart costs one warm-up). Pieces
// longer than kMaxPieceBytes are not kept: they are rare (a run of one character), and kept they
// made a server's memory grow by each request's text (tests/integration/server_abuse_test.cpp).
//
//   PieceCache c(1 << 16);
//   const uint64_t h = PieceCache::hash(piece);
//   if (auto hit = c.find(piece, h)) use(hit.ids, hit.n); else c.insert(piece, h, ids, n);
//
// Not thread-safe: the tokenizer keeps one per thread (see tokenizer.cpp).
#pragma once

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace insightv {

class PieceCache {
 public:
  struct Hit {
    const int32_t* ids = nullptr;
    uint32_t n = 0;
    explicit operator bool() const { return ids != nullptr; }
  };

  // The slot array starts small and doubles as entries come (up to 2 x max_entries slots): a
  // thread that tokenizes little keeps a small cache (a server has one per connection thread).
  explicit PieceCache(size_t max_entries) : max_entries_(max_entries) {
    while (max_slots_ < max_entries * 2) max_slots_ <<= 1;
    slots_.resize(std::min<size_t>(max_slots_, 256));
  }

  static uint64_t hash(std::string_view s) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (s.size() * 0xFF51AFD7ED558CCDULL);
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
      h ^= h >> 29;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);
    h = (h ^ tail) * 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 32;
    return h | 1;  // 0 marks an empty slot
  }

  Hit find(std::string_view key, uint64_t h) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.hash == 0) return {};
      if (s.hash == h && s.key_len == key.size() &&
          std::memcmp(keys_.data() + s.key_off, key.data(), key.size()) == 0)
        return {ids_.data() + s.ids_off, s.n_ids};
    }
  }

  static constexpr size_t kMaxPieceBytes = 256;
  static constexpr size_t kMaxKeyBytes = 4u << 20;

  void insert(std::string_view key, uint64_t h, const int32_t* ids, size_t n) {
    if (key.size() > kMaxPieceBytes) return;
    if (entries_ >= max_entries_ || keys_.size() + key.size() > kMaxKeyBytes) clear();
    if ((entries_ + 1) * 2 > slots_.size() && slots_.size() < max_slots_) grow();
    const size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i].hash != 0) i = (i + 1) & mask;
    Slot& s = slots_[i];
    s.hash = h;
    s.key_off = static_cast<uint32_t>(keys_.size());
    s.key_len = static_cast<uint32_t>(key.size());
    s.ids_off = static_cast<uint32_t>(ids_.size());
    s.n_ids = static_cast<uint32_t>(n);
    keys_.append(key.data(), key.size());
    ids_.insert(ids_.end(), ids, ids + n);
    ++entries_;
  }

  void clear() {  // keeps the slot array's size
    std::fill(slots_.begin(), slots_.end(), Slot{});
    keys_.clear();
    ids_.clear();
    entries_ = 0;
  }
  size_t size() const { return entries_; }
  size_t slots() const { return slots_.size(); }

 private:
  void grow() {  // doubles the slot array; the key and id arenas do not move
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.hash == 0) continue;
      size_t i = s.hash & mask;
      while (slots_[i].hash != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  struct Slot {
    uint64_t hash = 0;
    uint32_t key_off = 0, key_len = 0, ids_off = 0, n_ids = 0;
  };
  size_t max_entries_, entries_ = 0, max_slots_ = 16;
  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<int32_t> ids_;
};

}  // namespace insightv
