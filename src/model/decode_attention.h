// model/decode_attention.h — single-query attention over a KV cache on the CPU: the attention of
// a decode step (one new token per row) without BLAS.
//
// At T = 1 each (row, kv head) pair is a G × S by S × D product, G = H / H_kv = 1..8 query heads.
// Batched through BLAS (torch::matmul), every such pair is a tiny GEMM that packs its S × D keys
// before multiplying: at batch 16 the packing was most of the decode step's time and the step
// cost 5.8× the batch-1 step (bench/bench_decode_step.cpp). Here each pair is one pass over its
// keys (the G query heads of a kv head share every key row they read) and one over its values,
// in fp32, with the softmax in between; pairs run in parallel (at::parallel_for).
//
//   if (decode_attention_applies(q, k_cache)) out = decode_attention(q, k_cache, v_cache, S, mask, scale);
#pragma once

#include <torch/torch.h>

namespace insightv {

// Whether decode_attention handles these tensors: CPU, fp32, q [B,H,D] contiguous, a cache
// [B,H_kv,cap,D] contiguous with H a multiple of H_kv.
bool decode_attention_applies(const torch::Tensor& q, const torch::Tensor& k_cache);

// q [B,H,D]; k_cache, v_cache [B,H_kv,cap,D] with positions [0, S) filled; mask: additive fp32
// with B × S elements ([B,1,1,1,S] or [B,S]; -inf drops a key) or undefined; returns [B,H,D]:
// softmax(q kᵀ · scale + mask) v per row and head, query head h reading kv head h / (H / H_kv).
torch::Tensor decode_attention(const torch::Tensor& q, const torch::Tensor& k_cache, const torch::Tensor& v_cache,
                               int64_t S, const torch::Tensor& mask, double scale);

}  // namespace insightv
