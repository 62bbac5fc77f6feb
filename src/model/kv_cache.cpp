// model/kv_cache.cpp — preallocated KV cache storage and its row/capacity operations.
#include <torch/torch.h>

#include "model/kv_cache.h"

#include "util/error.h"

namespace insightv {

void KvCache::allocate(int64_t layers, int64_t batch, int64_t kv_heads, int64_t cap, int64_t head_dim,
                       const torch::TensorOptions& options) {
  k.clear();
  v.clear();
  for (int64_t l = 0; l < layers; ++l) {
    k.push_back(torch::zeros({batch, kv_heads, cap, head_dim}, options));
    v.push_back(torch::zeros({batch, kv_heads, cap, head_dim}, options));
  }
  length = 0;
}

void KvCache::ensure_capacity(int64_t needed) {
  check(allocated(), "kv_cache", "ensure_capacity on an unallocated cache");
  const int64_t cap = capacity();
  if (needed <= cap) return;
  const int64_t new_cap = std::max(needed, cap * 2);
  for (size_t l = 0; l < k.size(); ++l) {
    auto grow = [&](torch::Tensor& t) {
      auto bigger = torch::zeros({t.size(0), t.size(1), new_cap, t.size(3)}, t.options());
      bigger.narrow(2, 0, length).copy_(t.narrow(2, 0, length));
      t = bigger;
    };
    grow(k[l]);
    grow(v[l]);
  }
}

void KvCache::select_rows(const torch::Tensor& rows) {
  for (size_t l = 0; l < k.size(); ++l) {
    k[l] = k[l].index_select(0, rows);
    v[l] = v[l].index_select(0, rows);
  }
}

void KvCache::repeat_rows(int64_t n) {
  for (size_t l = 0; l < k.size(); ++l) {
    k[l] = k[l].repeat_interleave(n, 0);
    v[l] = v[l].repeat_interleave(n, 0);
  }
}

KvCache KvCache::clone() const {
  KvCache c;
  c.length = length;
  for (size_t l = 0; l < k.size(); ++l) {
    c.k.push_back(k[l].clone());
    c.v.push_back(v[l].clone());
  }
  return c;
}

}  // namespace insightv
