// model/small_gemm.cpp — the packed-weight small GEMM (see the header): register blocks of up to
// 16 rows (AVX-512) or 4 rows (AVX2+FMA) × 16 columns over panels packed once.
#include <torch/torch.h>

#include "model/small_gemm.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <cstring>
#include <utility>

#include "util/error.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define INSIGHTV_SMALL_GEMM_AVX2 1
#include <immintrin.h>
#endif

namespace insightv {

namespace {

constexpr int64_t kPanel = 16;  // output columns per panel: two 8-lane registers
// AVX2 has 16 registers: 4 rows x 2 accumulators + 2 panel registers + 1 broadcast. (6 rows, 12
// accumulators, measured slower: 595 against 434 us for the 16-row shapes of bench_decode_step.)
constexpr int kMaxBlockRows = 4;

#ifdef INSIGHTV_SMALL_GEMM_AVX2
// y[r, 0..cols) = Σ_k x[r, k] panel[k, 0..cols) for R rows of x.
template <int R>
__attribute__((target("avx2,fma"))) void panel_block(const float* x, int64_t K, const float* panel, float* y,
                                                     int64_t ldy, int64_t cols) {
  __m256 lo[R], hi[R];
  for (int r = 0; r < R; ++r) lo[r] = hi[r] = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    const __m256 w0 = _mm256_loadu_ps(panel + k * kPanel), w1 = _mm256_loadu_ps(panel + k * kPanel + 8);
    for (int r = 0; r < R; ++r) {
      const __m256 xb = _mm256_broadcast_ss(x + r * K + k);
      lo[r] = _mm256_fmadd_ps(xb, w0, lo[r]);
      hi[r] = _mm256_fmadd_ps(xb, w1, hi[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    if (cols == kPanel) {
      _mm256_storeu_ps(y + r * ldy, lo[r]);
      _mm256_storeu_ps(y + r * ldy + 8, hi[r]);
    } else {  // the last panel of a width that is not a multiple of 16
      alignas(32) float tmp[kPanel];
      _mm256_store_ps(tmp, lo[r]);
      _mm256_store_ps(tmp + 8, hi[r]);
      std::memcpy(y + r * ldy, tmp, static_cast<size_t>(cols) * sizeof(float));
    }
  }
}

// AVX-512: a 16-column panel is one register, so up to 16 rows share each panel load (16
// accumulators of the 32 registers): the panel is streamed once for a whole decode batch.
template <int R>
__attribute__((target("avx512f"))) void panel_block_avx512(const float* x, int64_t K, const float* panel, float* y,
                                                           int64_t ldy, int64_t cols) {
  __m512 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    const __m512 w = _mm512_loadu_ps(panel + k * kPanel);
    for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(x[r * K + k]), w, acc[r]);
  }
  const __mmask16 keep = static_cast<__mmask16>((1u << cols) - 1u);
  for (int r = 0; r < R; ++r) _mm512_mask_storeu_ps(y + r * ldy, keep, acc[r]);
}

template <int... Rs>
void rows_block_avx512_impl(int rows, const float* x, int64_t K, const float* panel, float* y, int64_t ldy,
                            int64_t cols, std::integer_sequence<int, Rs...>) {
  using Fn = void (*)(const float*, int64_t, const float*, float*, int64_t, int64_t);
  static constexpr Fn table[] = {&panel_block_avx512<Rs + 1>...};
  table[rows - 1](x, K, panel, y, ldy, cols);
}

constexpr int kMaxBlockRows512 = 16;

void rows_block_avx512(int rows, const float* x, int64_t K, const float* panel, float* y, int64_t ldy, int64_t cols) {
  rows_block_avx512_impl(rows, x, K, panel, y, ldy, cols, std::make_integer_sequence<int, kMaxBlockRows512>{});
}

std::atomic<bool> g_limit_to_avx2{false};

bool cpu_has_avx512() {
  static const bool yes = __builtin_cpu_supports("avx512f");
  return yes && !g_limit_to_avx2.load(std::memory_order_relaxed);
}

void rows_block(int rows, const float* x, int64_t K, const float* panel, float* y, int64_t ldy, int64_t cols) {
  switch (rows) {
    case 1: return panel_block<1>(x, K, panel, y, ldy, cols);
    case 2: return panel_block<2>(x, K, panel, y, ldy, cols);
    case 3: return panel_block<3>(x, K, panel, y, ldy, cols);
    default: return panel_block<kMaxBlockRows>(x, K, panel, y, ldy, cols);
  }
}
#endif

}  // namespace

void small_gemm_limit_to_avx2(bool on) {
#ifdef INSIGHTV_SMALL_GEMM_AVX2
  g_limit_to_avx2 = on;
#else
  (void)on;
#endif
}

bool small_gemm_available() {
#ifdef INSIGHTV_SMALL_GEMM_AVX2
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

namespace {
std::atomic<int64_t> g_packed_bytes{0};
}

int64_t packed_bytes_in_use() { return g_packed_bytes.load(); }

PackedWeight pack_weight(const torch::Tensor& w) {
  check(w.dim() == 2 && w.scalar_type() == torch::kFloat32 && w.device().is_cpu(), "small_gemm",
        "pack_weight needs a 2-D fp32 CPU weight");
  torch::NoGradGuard no_grad;
  PackedWeight p;
  const int64_t blocks = (w.size(0) + kPanel - 1) / kPanel;
  const int64_t bytes = blocks * kPanel * w.size(1) * static_cast<int64_t>(sizeof(float));
  if (g_packed_bytes.fetch_add(bytes) + bytes > kPackedBytesBudget) {
    g_packed_bytes.fetch_sub(bytes);
    return p;
  }
  p.lease = std::shared_ptr<void>(nullptr, [bytes](void*) { g_packed_bytes.fetch_sub(bytes); });
  p.N = w.size(0);
  p.K = w.size(1);
  auto padded = torch::zeros({blocks * kPanel, p.K}, torch::kFloat32);
  padded.narrow(0, 0, p.N).copy_(w.detach());
  p.panels = padded.view({blocks, kPanel, p.K}).transpose(1, 2).contiguous();  // [blocks, K, 16]
  return p;
}

bool small_gemm_applies(const torch::Tensor& x, const PackedWeight& w) {
  if (!w.defined() || !small_gemm_available() || !x.device().is_cpu() || x.scalar_type() != torch::kFloat32 ||
      x.dim() < 1 || x.size(-1) != w.K)
    return false;
  const int64_t rows = x.numel() / w.K;
  return rows >= 1 && rows <= kSmallGemmMaxRows;
}

torch::Tensor small_gemm(const torch::Tensor& x, const PackedWeight& w, const torch::Tensor& bias) {
  check(small_gemm_applies(x, w), "small_gemm", "unsupported input (fp32 CPU, last dim K, at most " +
                                                    std::to_string(kSmallGemmMaxRows) + " rows, AVX2+FMA)");
  const auto x2 = x.reshape({-1, w.K}).contiguous();
  const int64_t M = x2.size(0), K = w.K, N = w.N, blocks = w.panels.size(0);
  auto y = torch::empty({M, N}, x2.options());
#ifdef INSIGHTV_SMALL_GEMM_AVX2
  const float* xp = x2.data_ptr<float>();
  const float* pp = w.panels.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 17) / std::max<int64_t>(1, M * K * kPanel));
  at::parallel_for(0, blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      const int64_t cols = std::min(kPanel, N - j * kPanel);
      if (cpu_has_avx512()) {
        for (int64_t r = 0; r < M; r += kMaxBlockRows512)
          rows_block_avx512(static_cast<int>(std::min<int64_t>(kMaxBlockRows512, M - r)), xp + r * K, K,
                            pp + j * K * kPanel, yp + r * N + j * kPanel, N, cols);
        continue;
      }
      for (int64_t r = 0; r < M; r += kMaxBlockRows)
        rows_block(static_cast<int>(std::min<int64_t>(kMaxBlockRows, M - r)), xp + r * K, K, pp + j * K * kPanel,
                   yp + r * N + j * kPanel, N, cols);
    }
  });
#endif
  if (bias.defined()) y.add_(bias);
  auto sizes = x.sizes().vec();
  sizes.back() = N;
  return y.view(sizes);
}

}  // namespace insightv
