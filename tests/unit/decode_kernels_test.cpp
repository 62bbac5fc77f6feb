// Unit tests of the decode-step kernels: model/decode_attention.h (single-query attention over a
// KV cache) and model/small_gemm.h (packed-weight GEMM for a few rows) against torch references,
// over the head dims and shapes that take their AVX2 paths and the ones that take the portable
// loops; then a decoder whose batched decode steps run through both, against each row alone.
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "infer/generator.h"
#include "model/decode_attention.h"
#include "model/small_gemm.h"
#include "support/tensor_compare.h"
#include "support/tiny_agents.h"
#include "util/error.h"

using namespace insightv;
using insightv::test::tensors_close;

namespace {

// softmax(q kᵀ · scale + mask) v with torch ops, query head h reading kv head h / G.
torch::Tensor reference_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, int64_t S,
                                  const torch::Tensor& mask, double scale) {
  const int64_t B = q.size(0), H = q.size(1), H_kv = k.size(1), G = H / H_kv;
  auto keys = k.narrow(2, 0, S).repeat_interleave(G, 1).to(torch::kFloat64);    // [B,H,S,D]
  auto values = v.narrow(2, 0, S).repeat_interleave(G, 1).to(torch::kFloat64);
  auto scores = torch::matmul(q.to(torch::kFloat64).unsqueeze(2), keys.transpose(2, 3)).squeeze(2) * scale;  // [B,H,S]
  if (mask.defined()) scores = scores + mask.reshape({B, 1, S}).to(torch::kFloat64);
  return torch::matmul(torch::softmax(scores, -1).unsqueeze(2), values).squeeze(2).to(torch::kFloat32);
}

}  // namespace

TEST(DecodeAttention, MatchesTorchForHeadDimsGroupsLengthsAndMasks) {
  torch::manual_seed(1);
  int cases = 0;
  for (int64_t D : {32, 64, 128, 24, 8})            // 32/64/128 take the AVX2 kernels where the CPU has them
    for (int64_t G : {1, 2, 4})                       // query heads per kv head
      for (int64_t S : {1, 7, 8, 33, 130}) {          // lengths around the 8-key blocks
        const int64_t B = 3, H_kv = 2, H = H_kv * G, cap = S + 5;
        auto q = torch::randn({B, H, D});
        auto k = torch::randn({B, H_kv, cap, D}), v = torch::randn({B, H_kv, cap, D});
        // Rows left-padded by different amounts: -inf on their first keys (never on the last).
        auto mask = torch::zeros({B, 1, 1, 1, S});
        for (int64_t b = 0; b < B; ++b)
          mask[b].view(-1).narrow(0, 0, std::min<int64_t>(b * 3, S - 1)).fill_(-std::numeric_limits<float>::infinity());
        const double scale = 1.0 / std::sqrt(static_cast<double>(D));
        ASSERT_TRUE(decode_attention_applies(q, k));
        EXPECT_TRUE(tensors_close(decode_attention(q, k, v, S, {}, scale), reference_attention(q, k, v, S, {}, scale),
                                  1e-5, 1e-4))
            << "D " << D << " G " << G << " S " << S << " unmasked";
        EXPECT_TRUE(tensors_close(decode_attention(q, k, v, S, mask, scale),
                                  reference_attention(q, k, v, S, mask, scale), 1e-5, 1e-4))
            << "D " << D << " G " << G << " S " << S << " masked";
        ++cases;
      }
  EXPECT_EQ(cases, 75);
}

TEST(DecodeAttention, RefusesWhatItDoesNotHandle) {
  auto q = torch::randn({2, 4, 32}), k = torch::randn({2, 2, 16, 32});
  EXPECT_FALSE(decode_attention_applies(q.to(torch::kFloat64), k));
  EXPECT_FALSE(decode_attention_applies(torch::randn({2, 3, 32}), k));          // 3 heads on 2 kv heads
  EXPECT_FALSE(decode_attention_applies(torch::randn({2, 4, 16}), k));          // head dims differ
  EXPECT_FALSE(decode_attention_applies(q, k.transpose(2, 3).contiguous().transpose(2, 3)));  // not contiguous
  EXPECT_THROW(decode_attention(q, k, k, 17, {}, 1.0), Error);                  // more keys than the cache holds
  EXPECT_THROW(decode_attention(q, k, k, 8, torch::zeros({2, 9}), 1.0), Error);  // mask of the wrong size
}

TEST(SmallGemm, MatchesLinearForRowsWidthsAndDepths) {
  if (!small_gemm_available()) GTEST_SKIP() << "this CPU has no AVX2+FMA: the kernel is never used";
  torch::manual_seed(2);
  for (bool avx2_only : {false, true}) {  // the AVX-512 kernel (where the CPU has it), then the AVX2 one
    small_gemm_limit_to_avx2(avx2_only);
    for (int64_t N : {16, 40, 512, 2048})       // 40: a last panel narrower than 16 columns
      for (int64_t K : {1, 7, 256, 704})
        for (int64_t M = 1; M <= kSmallGemmMaxRows; M += (M < 8 ? 1 : 9)) {  // 17, 26, ...: past a 16-row block
          auto w = torch::randn({N, K}), x = torch::randn({M, K}), bias = torch::randn({N});
          const PackedWeight p = pack_weight(w);
          ASSERT_TRUE(small_gemm_applies(x, p));
          EXPECT_TRUE(tensors_close(small_gemm(x, p), torch::linear(x, w), 1e-4, 1e-4))
              << M << "x" << K << " by " << N << (avx2_only ? " (AVX2)" : "");
          EXPECT_TRUE(tensors_close(small_gemm(x, p, bias), torch::linear(x, w, bias), 1e-4, 1e-4))
              << M << "x" << K << " by " << N << " with bias" << (avx2_only ? " (AVX2)" : "");
        }
  }
  small_gemm_limit_to_avx2(false);
  // Leading dimensions are kept: [B,1,K] -> [B,1,N].
  auto w = torch::randn({24, 32});
  EXPECT_EQ(small_gemm(torch::randn({5, 1, 32}), pack_weight(w)).sizes(), (std::vector<int64_t>{5, 1, 24}));
}

TEST(SmallGemm, PackedBytesAreCountedAndReturned) {
  const int64_t before = packed_bytes_in_use();
  {
    const PackedWeight p = pack_weight(torch::randn({40, 8}));  // 3 panels of 16 x 8 floats
    ASSERT_TRUE(p.defined());
    EXPECT_EQ(packed_bytes_in_use() - before, 3 * 16 * 8 * 4);
    const PackedWeight copy = p;  // copies share the panels and the lease
    EXPECT_EQ(packed_bytes_in_use() - before, 3 * 16 * 8 * 4);
  }
  EXPECT_EQ(packed_bytes_in_use(), before);
}

TEST(SmallGemm, RefusesWhatItDoesNotHandle) {
  const PackedWeight p = pack_weight(torch::randn({16, 8}));
  EXPECT_FALSE(small_gemm_applies(torch::randn({kSmallGemmMaxRows + 1, 8}), p));
  EXPECT_FALSE(small_gemm_applies(torch::randn({4, 9}), p));
  EXPECT_FALSE(small_gemm_applies(torch::randn({4, 8}, torch::kFloat64), p));
  EXPECT_FALSE(small_gemm_applies(torch::randn({4, 8}), PackedWeight{}));
  EXPECT_THROW(small_gemm(torch::randn({4, 9}), p), Error);
  EXPECT_THROW(pack_weight(torch::randn({16, 8}, torch::kFloat64)), Error);
  EXPECT_THROW(pack_weight(torch::randn({16})), Error);
}

// A decoder with head dim 32 (the AVX2 attention kernel) and hidden 64 (the packed GEMM for 2+
// rows): the logits of 5 rows decoded together, left-padded, equal each row decoded alone (one
// row: a matrix-vector product and the same attention kernel), step after step.
TEST(DecodeKernels, BatchedDecodeStepsEqualEachRowAlone) {
  ModelConfig c = test::tiny_text_config(101);
  c.vision.reset();
  c.text.hidden_size = 64;
  c.text.intermediate_size = 96;
  c.text.num_attention_heads = 4;
  c.text.num_key_value_heads = 2;
  c.text.head_dim = 32;
  torch::manual_seed(3);
  MultimodalLM m(c);
  m->eval();
  Generator gen(m);
  std::vector<Prompt> prompts;
  for (int64_t n : {3, 11, 6, 17, 9}) {
    std::vector<int64_t> ids;
    for (int64_t i = 0; i < n; ++i) ids.push_back((n * 13 + i * 7) % 101);
    prompts.push_back(Prompt{ids, {}});
  }
  DecodeState batch = gen.prefill(prompts);
  std::vector<DecodeState> alone;
  for (const auto& p : prompts) alone.push_back(gen.prefill({p}));
  for (int step = 0; step < 12; ++step) {
    std::vector<int64_t> tokens;
    for (size_t r = 0; r < prompts.size(); ++r) tokens.push_back(static_cast<int64_t>((step * 31 + r * 5) % 101));
    gen.step(batch, tokens);
    for (size_t r = 0; r < prompts.size(); ++r) {
      gen.step(alone[r], {tokens[r]});
      EXPECT_TRUE(tensors_close(batch.last_logits[static_cast<int64_t>(r)], alone[r].last_logits[0], 1e-4, 1e-4))
          << "row " << r << " step " << step;
    }
  }
}
