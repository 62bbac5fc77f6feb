// model/kv_cache.h — a preallocated key/value cache for the decoder.
//
// Per layer, keys and values live in [B, H_kv, T_cap, D] tensors allocated once; a forward
// pass writes its T new positions at [length, length + T) and attends over [0, length + T).
// Keys are stored after RoPE (as Hugging Face's DynamicCache does). All rows share one length;
// rows that started shorter are left-padded and masked by the key-padding mask the caller keeps.
// Not thread-safe. Copying the struct shares the tensors; clone() copies them.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace insightv {

struct KvCache {
  std::vector<torch::Tensor> k, v;  // per layer [B, H_kv, T_cap, D]
  int64_t length = 0;               // positions filled

  // Allocates zeroed storage for `layers` layers; resets length to 0.
  void allocate(int64_t layers, int64_t batch, int64_t kv_heads, int64_t capacity, int64_t head_dim,
                const torch::TensorOptions& options);
  bool allocated() const { return !k.empty(); }
  int64_t capacity() const { return k.empty() ? 0 : k[0].size(2); }
  int64_t batch() const { return k.empty() ? 0 : k[0].size(0); }
  // Grows capacity (copying the filled part) to at least `needed` positions.
  void ensure_capacity(int64_t needed);
  // Keeps rows `rows` (a 1-D int64 tensor) in this order: for batches whose members finish.
  void select_rows(const torch::Tensor& rows);
  // Repeats every row n times (a shared prefix fanned out to n samples).
  void repeat_rows(int64_t n);
  KvCache clone() const;
};

}  // namespace insightv
