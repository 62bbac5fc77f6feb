// Golden parity of the LLaMA and Qwen2 decoders with Hugging Face transformers v4.45.1
// (tests/data/golden, see its README): every hidden state, logits, the KV cache after the
// prompt, and three cached greedy decode steps. Tolerance: atol = rtol = 1e-4 in fp32.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "model/checkpoint.h"
#include "support/golden.h"
#include "support/tensor_compare.h"

using namespace insightv;
using insightv::test::tensors_close;

namespace {


void check_text_model(const std::string& name) {
  torch::NoGradGuard no_grad;
  const std::string dir = test::golden_dir() + name;
  auto ckpt = load_checkpoint(dir);
  SafetensorsFile in_file(dir + "/inputs.safetensors");
  TensorSource out(dir + "/outputs.safetensors");
  auto ids = tensor_from_file(in_file, in_file.at("input_ids"));  // [1,L]
  const int64_t L = ids.size(1);

  KvCache cache;
  DecoderInputs in;
  in.cache = &cache;
  in.hidden_states = true;
  auto res = ckpt.model->forward(ckpt.model->embed(ids), in);
  ASSERT_EQ(res.hidden_states.size(), 3u);
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(tensors_close(res.hidden_states[i], out.get("hidden_states." + std::to_string(i))))
        << name << " hidden_states." << i;
  EXPECT_TRUE(tensors_close(res.last_layer_prenorm, out.get("last_layer_output_prenorm"))) << name;
  EXPECT_TRUE(tensors_close(res.logits, out.get("logits"))) << name << " logits";
  ASSERT_EQ(cache.length, L);
  for (int l = 0; l < 2; ++l) {
    const std::string p = "prompt_kv." + std::to_string(l);
    EXPECT_TRUE(tensors_close(cache.k[l].narrow(2, 0, L), out.get(p + ".key"))) << name << " " << p << ".key";
    EXPECT_TRUE(tensors_close(cache.v[l].narrow(2, 0, L), out.get(p + ".value"))) << name << " " << p << ".value";
  }

  // Greedy decoding with the cache: step K's logits choose greedy_tokens[K].
  auto expected_tokens = out.get("greedy_tokens");
  auto step_logits = res.logits.select(1, L - 1);  // [1,V]
  for (int k = 0; k < 4; ++k) {
    EXPECT_TRUE(tensors_close(step_logits, out.get("step_logits." + std::to_string(k)))) << name << " step " << k;
    const int64_t token = step_logits.argmax(-1).item<int64_t>();
    ASSERT_EQ(token, expected_tokens[0][k].item<int64_t>()) << name << " greedy token " << k;
    if (k == 3) break;
    DecoderInputs step;
    step.cache = &cache;
    auto next = ckpt.model->forward(ckpt.model->embed(torch::tensor({{token}}, torch::kInt64)), step);
    step_logits = next.logits.select(1, 0);
  }
}

}  // namespace

TEST(GoldenLlama, HiddenStatesLogitsKvCacheAndGreedyMatchTransformers) { check_text_model("llama"); }

TEST(GoldenQwen2, TiedEmbeddingsAndQkvBiasMatchTransformers) { check_text_model("qwen2"); }
