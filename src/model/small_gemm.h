// model/small_gemm.h — y = x Wᵀ + b for a few rows of x (a batched decode step) against a weight
// packed once.
//
// A BLAS GEMM packs both operands on every call. With 2–64 rows of x, packing the weight (the
// big operand) costs nearly as much as the multiply itself: at batch 16 the nano decode step spent
// 17% of its time in OpenBLAS's weight packing against 24% in its kernel (perf, bench_decode_step).
// Here the weight is packed once, into panels of 16 output columns ([ceil(N/16), K, 16], zero
// padded), and the kernel streams each panel once per block of rows with the block's outputs in
// registers: 16 rows × one 16-lane register with AVX-512 (so a 16-row decode batch reads each
// weight once), 4 rows × two 8-lane registers with AVX2+FMA. At 16 rows of the nano decoder's
// shapes it is 2.3× faster than OpenBLAS on an AVX-512 Zen 4 core (bench/bench_decode_step.cpp).
//
//   PackedWeight p = pack_weight(w);                      // w [N,K] fp32 CPU, once
//   if (small_gemm_applies(x, p)) y = small_gemm(x, p, bias);   // x [..., K]
#pragma once

#include <torch/torch.h>

#include <memory>

namespace insightv {

struct PackedWeight {
  torch::Tensor panels;  // [ceil(N/16), K, 16] fp32
  int64_t N = 0, K = 0;
  std::shared_ptr<void> lease;  // returns the panels' bytes to the process budget when the last copy goes
  bool defined() const { return panels.defined(); }
};

// Packed panels are a second copy of the weights. A process packs at most this many bytes in all
// (a nano model needs 20 MB; a fp32 8B model would need 32 GB): pack_weight returns an undefined
// PackedWeight past it, and callers keep using BLAS.
inline constexpr int64_t kPackedBytesBudget = int64_t{2} << 30;
int64_t packed_bytes_in_use();

// The most rows small_gemm is used for; above it a BLAS GEMM's packing is amortised.
inline constexpr int64_t kSmallGemmMaxRows = 64;

// Whether this CPU has the kernel (AVX2 + FMA, x86-64; AVX-512 where present).
bool small_gemm_available();
// For tests: use the AVX2 kernel even on a CPU with AVX-512 (both paths stay covered).
void small_gemm_limit_to_avx2(bool on);
// Undefined when the budget above would be exceeded.
PackedWeight pack_weight(const torch::Tensor& w);
// x fp32 CPU with last dim K and 1..kSmallGemmMaxRows rows, the kernel available.
bool small_gemm_applies(const torch::Tensor& x, const PackedWeight& w);
// y [..., N] = x Wᵀ (+ bias [N] when defined).
torch::Tensor small_gemm(const torch::Tensor& x, const PackedWeight& w, const torch::Tensor& bias = {});

}  // namespace insightv
