// The golden models (tests/data/golden, fp32 references from transformers v4.45.1) loaded with
// LoadOptions.dtype = bf16: parameters stay bf16 and the forward computes in bf16 (fp32 norms,
// softmax and logits), as `--dtype bf16` does for the released BF16 checkpoints. There is no
// bf16 reference here, so these are tolerance checks against the fp32 reference, with the
// figures measured on this project's machine (LibTorch 1.13 CPU) written next to each bound.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "model/checkpoint.h"
#include "support/golden.h"
#include "support/tensor_compare.h"

using namespace insightv;
using insightv::test::tensors_close;

namespace {


LoadOptions bf16() {
  LoadOptions o;
  o.dtype = torch::kBFloat16;
  return o;
}

// Bounds, about 2.5× the differences measured here (see each test), loose on purpose: bf16 keeps
// 8 mantissa bits, so a logit near 4 is only good to ~0.016 after its last rounding alone.
constexpr double kFeatureTol = 0.12, kLogitTol = 0.15, kLogitAtol = 0.1, kLogitRtol = 0.05, kLlamaTol = 0.12;

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

// The LLaVA-NeXT prompt pass (image features spliced, both checkpoint layouts) in bf16.
// Measured (2026-11-27, LibTorch 1.13 CPU, both layouts alike): max |logit − fp32 reference|
// 0.062 with the logits spanning ±3.71; max |packed image feature − reference| 0.046.
class GoldenBf16LlavaNext : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenBf16LlavaNext, LogitsWithinToleranceOfTheFp32Reference) {
  torch::NoGradGuard no_grad;
  const std::string dir = test::golden_dir() + "llava_next/";
  const ModelConfig cfg = load_model_config(dir + "config.json");
  MultimodalLM lm(cfg);
  load_state_dict(*lm, TensorSource(dir + GetParam()), bf16());
  lm->eval();
  SafetensorsFile in(dir + "inputs.safetensors");
  TensorSource out(dir + "outputs.safetensors");
  auto pixels = tensor_from_file(in, in.at("pixel_values"))[0];  // [4,3,32,32] fp32
  auto ids_t = tensor_from_file(in, in.at("input_ids"))[0];
  std::vector<int64_t> ids(ids_t.data_ptr<int64_t>(), ids_t.data_ptr<int64_t>() + ids_t.numel());

  auto packed = lm->pack_anyres(lm->encode_tiles(pixels), Size2{100, 40});  // [60,64]
  EXPECT_EQ(packed.scalar_type(), torch::kBFloat16);
  const double feat_diff = max_abs_diff(packed, out.get("image_features"));
  auto embeds = lm->splice(ids, {packed}, /*expanded=*/true);
  EXPECT_EQ(embeds.scalar_type(), torch::kBFloat16);
  KvCache cache;
  DecoderInputs din;
  din.cache = &cache;
  auto res = lm->forward(embeds, din);
  const auto expected = out.get("logits");
  const double logit_diff = max_abs_diff(res.logits, expected);
  std::printf("[bf16] llava_next (%s): max |image feature diff| %.4f, max |logit diff| %.4f, logit range ±%.2f\n",
              GetParam().c_str(), feat_diff, logit_diff, expected.abs().max().item<double>());
  EXPECT_LT(feat_diff, kFeatureTol);
  EXPECT_LT(logit_diff, kLogitTol);
  // Relative to the reference: |a − e| ≤ atol + rtol·|e| elementwise.
  EXPECT_TRUE(tensors_close(res.logits, expected, kLogitAtol, kLogitRtol));

  // fp32 features handed to the bf16 decoder are converted at the splice.
  auto from_fp32 = lm->splice(ids, {packed.to(torch::kFloat32)}, true);
  EXPECT_TRUE(tensors_close(from_fp32, embeds, 0, 0));
}

INSTANTIATE_TEST_SUITE_P(GoldenLayouts, GoldenBf16LlavaNext,
                         ::testing::Values("model.safetensors", "model.llava_llama.safetensors"));

TEST(GoldenBf16, ParametersAreBf16AfterLoadAndTakeHalfTheBytes) {
  const std::string dir = test::golden_dir() + "llava_next";
  auto f32 = load_checkpoint(dir);
  auto b16 = load_checkpoint(dir, bf16());
  for (const auto& p : b16.model->named_parameters())
    ASSERT_EQ(p.value().scalar_type(), torch::kBFloat16) << p.key();
  // 186,960 parameters (tests/data/golden/README.md): 747,840 bytes in fp32, 373,920 in bf16.
  EXPECT_EQ(parameter_bytes(*f32.model), 186960 * 4);
  EXPECT_EQ(parameter_bytes(*b16.model), 186960 * 2);
}

// Greedy decoding of the golden LLaMA in bf16 with the KV cache. The fp32 reference's argmax
// margins are 0.741, 0.424, 0.194, 0.510 (summary.json). Measured: all 4 greedy tokens equal
// the fp32 reference's ([194, 157, 102, 248]); max |logit diff| 0.034 over the prompt and 0.045
// over the 4 step logits — below a quarter of the smallest margin, so the match is not luck.
TEST(GoldenBf16, LlamaGreedyTokensMatchTheFp32Reference) {
  torch::NoGradGuard no_grad;
  const std::string dir = test::golden_dir() + "llama";
  auto ckpt = load_checkpoint(dir, bf16());
  SafetensorsFile in_file(dir + "/inputs.safetensors");
  TensorSource out(dir + "/outputs.safetensors");
  auto ids = tensor_from_file(in_file, in_file.at("input_ids"));  // [1,L]
  const int64_t L = ids.size(1);
  KvCache cache;
  DecoderInputs in;
  in.cache = &cache;
  auto res = ckpt.model->forward(ckpt.model->embed(ids), in);
  EXPECT_EQ(cache.k[0].scalar_type(), torch::kBFloat16);
  const double prompt_diff = max_abs_diff(res.logits, out.get("logits"));
  auto expected_tokens = out.get("greedy_tokens");
  auto step_logits = res.logits.select(1, L - 1).to(torch::kFloat32);  // [1,V]
  double step_diff = 0;
  for (int k = 0; k < 4; ++k) {
    step_diff = std::max(step_diff, max_abs_diff(step_logits, out.get("step_logits." + std::to_string(k))));
    const int64_t token = step_logits.argmax(-1).item<int64_t>();
    EXPECT_EQ(token, expected_tokens[0][k].item<int64_t>()) << "greedy token " << k;
    if (k == 3) break;
    DecoderInputs step;
    step.cache = &cache;
    step_logits = ckpt.model->forward(ckpt.model->embed(torch::tensor({{token}}, torch::kInt64)), step)
                      .logits.select(1, 0).to(torch::kFloat32);
  }
  std::printf("[bf16] llama: max |prompt logit diff| %.4f, max |step logit diff| %.4f\n", prompt_diff, step_diff);
  EXPECT_LT(prompt_diff, kLlamaTol);
  EXPECT_LT(step_diff, kLlamaTol);
}

}  // namespace

// LibTorch 1.13 has no f16 CPU kernels for matmul, layer_norm, conv, gelu or silu: --dtype f16
// fails at load with a hint, not inside the first forward.
TEST(GoldenBf16, F16IsRefusedAtLoadWithAHint) {
  try {
    LoadOptions o;
    o.dtype = torch::kFloat16;
    load_checkpoint(test::golden_dir() + "llava_next", o);
    FAIL() << "f16 load did not throw";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("--dtype bf16"), std::string::npos) << e.what();
  }
}
