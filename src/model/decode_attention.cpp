// model/decode_attention.cpp — single-query attention over a KV cache on the CPU (see the header).
// Three phases: scores (one pass over each pair's keys), softmax (torch's vectorised kernel over
// all rows at once), weighted values (one pass over each pair's values). The two passes have
// AVX2+FMA kernels for head dims 32, 64 and 128, picked at run time when the CPU has them, and
// portable loops for everything else.
#include <torch/torch.h>

#include "model/decode_attention.h"

#include <ATen/Parallel.h>

#include "util/error.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define INSIGHTV_DECODE_ATTENTION_AVX2 1
#include <immintrin.h>
#endif

namespace insightv {

namespace {

struct Shape {
  int64_t B, H, H_kv, G, D, cap, S;
};

// ---- portable kernels (any D) ----------------------------------------------------------------

float dot(const float* a, const float* b, int64_t D) {
  float s = 0.0f;
  for (int64_t d = 0; d < D; ++d) s += a[d] * b[d];
  return s;
}

// scores[g, t] = q[g] · keys[t] * scale + mask[t] for the G query heads of one (row, kv head) pair.
void score_pair(const float* q, const float* keys, const float* mask, float scale, int64_t S, int64_t D, int64_t G,
                float* scores) {
  for (int64_t g = 0; g < G; ++g)
    for (int64_t t = 0; t < S; ++t)
      scores[g * S + t] = dot(q + g * D, keys + t * D, D) * scale + (mask != nullptr ? mask[t] : 0.0f);
}

// out[g] = Σ_t probs[g, t] values[t].
void weigh_pair(const float* probs, const float* values, int64_t S, int64_t D, int64_t G, float* out) {
  for (int64_t g = 0; g < G; ++g) {
    float* o = out + g * D;
    for (int64_t d = 0; d < D; ++d) o[d] = 0.0f;
    for (int64_t t = 0; t < S; ++t) {
      const float w = probs[g * S + t];
      if (w == 0.0f) continue;  // masked keys (padding) cost no pass over their values
      for (int64_t d = 0; d < D; ++d) o[d] += w * values[t * D + d];
    }
  }
}

#ifdef INSIGHTV_DECODE_ATTENTION_AVX2
// ---- AVX2 + FMA kernels for D = 8·NC (head dims 32, 64, 128) -------------------------------
// Scores: eight keys at a time, each with its own 8-lane partial sums, reduced together by one
// horizontal-add tree (7 instructions per 8 dot products instead of a reduction per key).
template <int NC>
__attribute__((target("avx2,fma"))) void score_pair_avx2(const float* q, const float* keys, const float* mask,
                                                         float scale, int64_t S, int64_t G, float* scores) {
  constexpr int64_t D = 8 * NC;
  const __m256 vscale = _mm256_set1_ps(scale);
  for (int64_t g = 0; g < G; ++g) {
    const float* qg = q + g * D;
    float* out = scores + g * S;
    __m256 qv[NC];
    for (int c = 0; c < NC; ++c) qv[c] = _mm256_loadu_ps(qg + 8 * c);
    int64_t t = 0;
    for (; t + 8 <= S; t += 8) {
      __m256 p[8];
      for (int i = 0; i < 8; ++i) {
        const float* key = keys + (t + i) * D;
        __m256 acc = _mm256_mul_ps(qv[0], _mm256_loadu_ps(key));
        for (int c = 1; c < NC; ++c) acc = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(key + 8 * c), acc);
        p[i] = acc;
      }
      const __m256 h01 = _mm256_hadd_ps(p[0], p[1]), h23 = _mm256_hadd_ps(p[2], p[3]);
      const __m256 h45 = _mm256_hadd_ps(p[4], p[5]), h67 = _mm256_hadd_ps(p[6], p[7]);
      const __m256 h0123 = _mm256_hadd_ps(h01, h23), h4567 = _mm256_hadd_ps(h45, h67);
      __m256 r = _mm256_add_ps(_mm256_permute2f128_ps(h0123, h4567, 0x20), _mm256_permute2f128_ps(h0123, h4567, 0x31));
      r = _mm256_mul_ps(r, vscale);
      if (mask != nullptr) r = _mm256_add_ps(r, _mm256_loadu_ps(mask + t));
      _mm256_storeu_ps(out + t, r);
    }
    for (; t < S; ++t) out[t] = dot(qg, keys + t * D, D) * scale + (mask != nullptr ? mask[t] : 0.0f);
  }
}

// Values: the G outputs of a pair stay in registers over the whole pass.
template <int NC>
__attribute__((target("avx2,fma"))) void weigh_pair_avx2(const float* probs, const float* values, int64_t S,
                                                         int64_t G, float* out) {
  constexpr int64_t D = 8 * NC;
  for (int64_t g = 0; g < G; ++g) {
    __m256 acc[NC];
    for (int c = 0; c < NC; ++c) acc[c] = _mm256_setzero_ps();
    const float* p = probs + g * S;
    for (int64_t t = 0; t < S; ++t) {
      if (p[t] == 0.0f) continue;
      const __m256 w = _mm256_set1_ps(p[t]);
      const float* value = values + t * D;
      for (int c = 0; c < NC; ++c) acc[c] = _mm256_fmadd_ps(w, _mm256_loadu_ps(value + 8 * c), acc[c]);
    }
    for (int c = 0; c < NC; ++c) _mm256_storeu_ps(out + g * D + 8 * c, acc[c]);
  }
}

bool cpu_has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

void score_pairs(const Shape& s, const float* q, const float* k, const float* mask, float scale, float* scores,
                 int64_t begin, int64_t end) {
  for (int64_t pair = begin; pair < end; ++pair) {
    const float* queries = q + pair * s.G * s.D;  // heads kv*G .. kv*G+G-1 of row pair / H_kv
    const float* keys = k + pair * s.cap * s.D;
    const float* m = mask != nullptr ? mask + (pair / s.H_kv) * s.S : nullptr;
    float* out = scores + pair * s.G * s.S;
#ifdef INSIGHTV_DECODE_ATTENTION_AVX2
    if (cpu_has_avx2_fma()) {
      if (s.D == 32) { score_pair_avx2<4>(queries, keys, m, scale, s.S, s.G, out); continue; }
      if (s.D == 64) { score_pair_avx2<8>(queries, keys, m, scale, s.S, s.G, out); continue; }
      if (s.D == 128) { score_pair_avx2<16>(queries, keys, m, scale, s.S, s.G, out); continue; }
    }
#endif
    score_pair(queries, keys, m, scale, s.S, s.D, s.G, out);
  }
}

void weigh_pairs(const Shape& s, const float* probs, const float* v, float* out, int64_t begin, int64_t end) {
  for (int64_t pair = begin; pair < end; ++pair) {
    const float* p = probs + pair * s.G * s.S;
    const float* values = v + pair * s.cap * s.D;
    float* o = out + pair * s.G * s.D;
#ifdef INSIGHTV_DECODE_ATTENTION_AVX2
    if (cpu_has_avx2_fma()) {
      if (s.D == 32) { weigh_pair_avx2<4>(p, values, s.S, s.G, o); continue; }
      if (s.D == 64) { weigh_pair_avx2<8>(p, values, s.S, s.G, o); continue; }
      if (s.D == 128) { weigh_pair_avx2<16>(p, values, s.S, s.G, o); continue; }
    }
#endif
    weigh_pair(p, values, s.S, s.D, s.G, o);
  }
}

}  // namespace

bool decode_attention_applies(const torch::Tensor& q, const torch::Tensor& k_cache) {
  return q.device().is_cpu() && k_cache.device().is_cpu() && q.scalar_type() == torch::kFloat32 &&
         k_cache.scalar_type() == torch::kFloat32 && q.dim() == 3 && k_cache.dim() == 4 && q.is_contiguous() &&
         k_cache.is_contiguous() && q.size(0) == k_cache.size(0) && q.size(2) == k_cache.size(3) &&
         k_cache.size(1) > 0 && q.size(1) % k_cache.size(1) == 0;
}

torch::Tensor decode_attention(const torch::Tensor& q, const torch::Tensor& k_cache, const torch::Tensor& v_cache,
                               int64_t S, const torch::Tensor& mask, double scale) {
  check(decode_attention_applies(q, k_cache) && v_cache.sizes() == k_cache.sizes() && v_cache.is_contiguous() &&
            v_cache.scalar_type() == torch::kFloat32,
        "attention", "decode_attention: unsupported tensors (CPU fp32, q [B,H,D], caches [B,H_kv,cap,D])");
  Shape s{q.size(0), q.size(1), k_cache.size(1), q.size(1) / k_cache.size(1), q.size(2), k_cache.size(2), S};
  check(S >= 1 && S <= s.cap, "attention", "decode_attention: " + std::to_string(S) + " keys in a cache of " +
                                               std::to_string(s.cap));
  torch::Tensor m;
  if (mask.defined()) {
    check(mask.numel() == s.B * S, "attention", "decode_attention: the mask must have B x S elements");
    m = mask.reshape({s.B, S}).to(torch::kFloat32).contiguous();
  }
  auto scores = torch::empty({s.B, s.H, S}, q.options());
  const int64_t pairs = s.B * s.H_kv;
  // Each pair is G·S·D multiply-adds per phase; parallelise once a chunk is worth a thread.
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, s.G * S * s.D));
  const float* qp = q.data_ptr<float>();
  const float* kp = k_cache.data_ptr<float>();
  const float* mp = m.defined() ? m.data_ptr<float>() : nullptr;
  float* sp = scores.data_ptr<float>();
  const auto fscale = static_cast<float>(scale);
  at::parallel_for(0, pairs, grain, [&](int64_t b, int64_t e) { score_pairs(s, qp, kp, mp, fscale, sp, b, e); });
  auto probs = torch::softmax(scores, -1).contiguous();
  auto out = torch::empty({s.B, s.H, s.D}, q.options());
  const float* pp = probs.data_ptr<float>();
  const float* vp = v_cache.data_ptr<float>();
  float* op = out.data_ptr<float>();
  at::parallel_for(0, pairs, grain, [&](int64_t b, int64_t e) { weigh_pairs(s, pp, vp, op, b, e); });
  return out;
}

}  // namespace insightv
