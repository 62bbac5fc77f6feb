// Golden parity of the CLIP vision tower and LLaVA-NeXT (anyres) with transformers v4.45.1:
// every CLIP layer, the tower features of the four tiles, the projector, the packed image
// features (unpad + image_newline), full logits and greedy decode — in both checkpoint
// layouts (HF names and the original llava_llama names). atol = rtol = 1e-4, fp32.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "model/checkpoint.h"
#include "support/golden.h"
#include "support/tensor_compare.h"

using namespace insightv;
using insightv::test::tensors_close;

namespace {
}

TEST(GoldenClip, EveryLayerAndPoolerMatchTransformers) {
  torch::NoGradGuard no_grad;
  const json cfg = read_json_file(test::golden_dir() + "clip_vision/config.json");
  ModelConfig mc = parse_model_config({{"model_type", "llava_llama"}, {"vocab_size", 8}, {"hidden_size", 8},
                                       {"intermediate_size", 8}, {"num_hidden_layers", 1},
                                       {"num_attention_heads", 1}, {"vision_config", cfg}}, "clip");
  ClipVision tower(*mc.vision);
  load_state_dict(*tower, TensorSource(test::golden_dir() + "clip_vision/model.safetensors"));
  SafetensorsFile in(test::golden_dir() + "clip_vision/inputs.safetensors");
  TensorSource out(test::golden_dir() + "clip_vision/outputs.safetensors");
  auto hs = tower->hidden_states(tensor_from_file(in, in.at("pixel_values")));
  ASSERT_EQ(hs.size(), 4u);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(tensors_close(hs[i], out.get("hidden_states." + std::to_string(i)))) << "layer " << i;
  EXPECT_TRUE(tensors_close(hs.back(), out.get("last_hidden_state")));
  EXPECT_TRUE(tensors_close(tower->pooled(hs.back()), out.get("pooler_output")));
}

class GoldenLlavaNext : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenLlavaNext, FeaturesPackingLogitsAndGreedyMatchTransformers) {
  torch::NoGradGuard no_grad;
  const std::string dir = test::golden_dir() + "llava_next/";
  const ModelConfig cfg = load_model_config(dir + "config.json");
  ASSERT_TRUE(cfg.is_multimodal());
  MultimodalLM lm(cfg);
  load_state_dict(*lm, TensorSource(dir + GetParam()));
  lm->eval();
  SafetensorsFile in(dir + "inputs.safetensors");
  TensorSource out(dir + "outputs.safetensors");
  auto pixels = tensor_from_file(in, in.at("pixel_values"))[0];  // [4,3,32,32]
  auto ids_t = tensor_from_file(in, in.at("input_ids"))[0];
  std::vector<int64_t> ids(ids_t.data_ptr<int64_t>(), ids_t.data_ptr<int64_t>() + ids_t.numel());

  auto hs = lm->vision->vision_tower->hidden_states(pixels);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(tensors_close(hs[i], out.get("vision_hidden_states." + std::to_string(i)))) << "tower layer " << i;
  auto tiles = lm->encode_tiles(pixels);
  EXPECT_TRUE(tensors_close(tiles, out.get("projector_output")));
  auto packed = lm->pack_anyres(tiles, Size2{100, 40});
  EXPECT_TRUE(tensors_close(packed, out.get("image_features")));
  EXPECT_EQ(packed.size(0), anyres_token_count({100, 40}, 32, 4, cfg.mm.image_grid_pinpoints));

  auto embeds = lm->splice(ids, {packed}, /*expanded=*/true);
  KvCache cache;
  DecoderInputs din;
  din.cache = &cache;
  din.hidden_states = true;
  auto res = lm->forward(embeds, din);
  EXPECT_TRUE(tensors_close(res.hidden_states[0], out.get("hidden_states.0")));
  EXPECT_TRUE(tensors_close(res.last_layer_prenorm, out.get("last_layer_output_prenorm")));
  EXPECT_TRUE(tensors_close(res.logits, out.get("logits")));
  EXPECT_TRUE(tensors_close(cache.k[1].narrow(2, 0, 71), out.get("prompt_kv.1.key")));
  auto step = res.logits.select(1, 70);
  auto expected = out.get("greedy_tokens");
  for (int k = 0; k < 4; ++k) {
    EXPECT_TRUE(tensors_close(step, out.get("step_logits." + std::to_string(k)))) << "step " << k;
    const int64_t tok = step.argmax(-1).item<int64_t>();
    ASSERT_EQ(tok, expected[0][k].item<int64_t>());
    DecoderInputs s;
    s.cache = &cache;
    step = lm->forward(lm->embed(torch::tensor({{tok}}, torch::kInt64)), s).logits.select(1, 0);
  }

  // The original layout's single placeholder expands in the model to the same sequence.
  std::vector<int64_t> compact;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] != cfg.mm.image_token_index || (i > 0 && ids[i - 1] != cfg.mm.image_token_index))
      compact.push_back(ids[i]);
  ASSERT_EQ(compact.size(), ids.size() - 59);
  EXPECT_TRUE(tensors_close(lm->splice(compact, {packed}, false), embeds, 0, 0));
}

INSTANTIATE_TEST_SUITE_P(GoldenLayouts, GoldenLlavaNext,
                         ::testing::Values("model.safetensors", "model.llava_llama.safetensors"));
