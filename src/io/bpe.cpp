// io/bpe.cpp — see bpe.h.
#include "io/bpe.h"

#include <algorithm>
#include <functional>

namespace insightv {

BpeMerges::BpeMerges() {
  for (int b = 0; b < 256; ++b) byte_id_[b] = -1;
  rehash(16);
}

void BpeMerges::rehash(size_t slots) {
  std::vector<Merge> old;
  old.swap(table_);
  table_.assign(slots, Merge{});
  shift_ = 64;
  for (size_t s = slots; s > 1; s >>= 1) --shift_;
  const size_t mask = slots - 1;
  for (const Merge& m : old) {
    if (m.rank < 0) continue;
    size_t i = slot_of(m.key);
    while (table_[i].rank >= 0) i = (i + 1) & mask;
    table_[i] = m;
  }
}

void BpeMerges::reserve(size_t merges) {
  size_t slots = table_.size();
  while (slots < merges * 2) slots <<= 1;
  if (slots != table_.size()) rehash(slots);
}

bool BpeMerges::add_merge(int32_t left, int32_t right, int32_t merged) {
  if (find(left, right) != nullptr) return false;
  // Ranks count every merge line, duplicates included, as the reference loaders do.
  const int32_t rank = static_cast<int32_t>(next_rank_++);
  if ((count_ + 1) * 2 > table_.size()) rehash(table_.size() * 2);
  const uint64_t k = key(left, right);
  const size_t mask = table_.size() - 1;
  size_t i = slot_of(k);
  while (table_[i].rank >= 0) i = (i + 1) & mask;
  table_[i] = Merge{k, rank, merged};
  ++count_;
  return true;
}

void BpeMerges::encode_piece(std::string_view bytes, std::vector<int32_t>& out) const {
  const int n = static_cast<int>(bytes.size());
  if (n == 0) return;
  if (n == 1) {
    out.push_back(byte_id_[static_cast<unsigned char>(bytes[0])]);
    return;
  }
  if (n == 2) {  // the most common case after single bytes: no heap needed
    const int32_t a = byte_id_[static_cast<unsigned char>(bytes[0])];
    const int32_t b = byte_id_[static_cast<unsigned char>(bytes[1])];
    if (const Merge* m = find(a, b)) {
      out.push_back(m->merged);
    } else {
      out.push_back(a);
      out.push_back(b);
    }
    return;
  }
  // Symbols as a doubly linked list over positions; a heap of candidate merges keyed by
  // (rank, left position). Stale candidates are skipped when popped.
  thread_local std::vector<int32_t> sym, prev, next;
  struct Cand {
    int32_t rank, pos;
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  thread_local std::vector<Cand> heap;
  sym.resize(n);
  prev.resize(n);
  next.resize(n);
  heap.clear();
  for (int i = 0; i < n; ++i) {
    sym[i] = byte_id_[static_cast<unsigned char>(bytes[i])];
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  auto push = [&](int pos) {
    const int nx = next[pos];
    if (nx < 0) return;
    if (const Merge* m = find(sym[pos], sym[nx])) {
      heap.push_back({m->rank, pos});
      std::push_heap(heap.begin(), heap.end(), std::greater<Cand>());
    }
  };
  for (int i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<Cand>());
    const Cand c = heap.back();
    heap.pop_back();
    const int nx = next[c.pos];
    if (sym[c.pos] < 0 || nx < 0) continue;  // merged away, or now the last symbol
    const Merge* m = find(sym[c.pos], sym[nx]);
    if (m == nullptr || m->rank != c.rank) continue;  // the pair changed since it was queued
    sym[c.pos] = m->merged;
    sym[nx] = -1;
    next[c.pos] = next[nx];
    if (next[nx] >= 0) prev[next[nx]] = c.pos;
    if (prev[c.pos] >= 0) push(prev[c.pos]);
    push(c.pos);
  }
  for (int i = 0; i >= 0; i = next[i]) out.push_back(sym[i]);
}

}  // namespace insightv
