// model/llava.h — the multimodal LM both Insight-V agents share: CLIP tower → projector →
// LLaMA-family decoder, with image features spliced in at the image placeholder (LLaVA).
// A config without a vision part gives a plain causal LM (LLaMA, Qwen2) with the same API.
//
// Parameter names are the original LLaVA-NeXT (`llava_llama`) checkpoint keys:
//   model.embed_tokens.weight, model.layers.N.*, model.norm.weight, lm_head.weight,
//   model.mm_projector.{0,2}.{weight,bias}, model.image_newline,
//   model.vision_tower.vision_tower.vision_model.*
// (model/checkpoint.h maps the HF LlavaNext names onto these).
//
//   MultimodalLM lm(cfg);
//   auto feats = lm->encode_tiles(pixels);                 // [N_tiles, P, C]
//   auto img = lm->pack_anyres(feats, {W, H});              // [N_img, C]
//   auto x = lm->splice(ids, {img});                       // [1, T, C]
//   auto out = lm->forward(x, inputs);                      // logits, hidden states
#pragma once

#include <torch/torch.h>

#include <vector>

#include "model/anyres.h"
#include "model/clip.h"
#include "model/config.h"
#include "model/llama.h"

namespace insightv {

// Holds the CLIP model one level down, so names read model.vision_tower.vision_tower.*.
class VisionTowerImpl : public torch::nn::Module {
 public:
  explicit VisionTowerImpl(const VisionConfig& c);
  ClipVision vision_tower{nullptr};
};
TORCH_MODULE(VisionTower);

class MultimodalLMImpl : public torch::nn::Module {
 public:
  explicit MultimodalLMImpl(const ModelConfig& c);

  const ModelConfig& config() const { return config_; }
  torch::Tensor embed(const torch::Tensor& ids);  // [B,T] → [B,T,C]
  DecoderOutput forward(const torch::Tensor& embeds, const DecoderInputs& in);
  torch::Tensor logits(const torch::Tensor& hidden);  // final-normed hidden → [.., V]

  // Multimodal parts (throw on a text-only model).
  // Tiles [N,3,S,S] normalised → projected features [N,P,C] (select layer, CLS dropped).
  torch::Tensor encode_tiles(const torch::Tensor& pixels);
  // The tower's selected features before the projector [N,P,C_v].
  torch::Tensor vision_features(const torch::Tensor& pixels);
  torch::Tensor project(const torch::Tensor& features);
  // Packs one image's tiles (base view first, then the grid row-major) into its token
  // sequence: base features, then the unpadded grid with image_newline after every row.
  // With a single tile (no grid), returns the base features alone.
  torch::Tensor pack_anyres(const torch::Tensor& tile_features, Size2 original);
  // Token ids [T] with image placeholders → embeddings [1,T',C]. A placeholder id equal to
  // config.mm.image_token_index is replaced: when `expanded` is false each placeholder is one
  // token that expands to all of its image's features (original LLaVA); when true, runs of
  // placeholders already have one token per feature (HF) and are overwritten in order.
  torch::Tensor splice(const std::vector<int64_t>& ids, const std::vector<torch::Tensor>& images,
                       bool expanded = false);

  // Grows the vocabulary to `new_vocab` rows: the new rows of embed_tokens (and of lm_head when
  // untied) are the mean of the existing rows, as LLaVA's initialize_vision_tokenizer does for
  // added tokens (<image>, <thoughts>, …). Existing rows are untouched. Updates config().
  void resize_vocabulary(int64_t new_vocab);

  DecoderBody model{nullptr};
  torch::nn::Linear lm_head{nullptr};  // null when embeddings are tied
  VisionTower vision{nullptr};
  torch::nn::Sequential mm_projector{nullptr};
  torch::Tensor image_newline;

 private:
  ModelConfig config_;
  Rope rope_;
  FusedLinear logits_;  // inference form of the LM head (model/llama.h)
};
TORCH_MODULE(MultimodalLM);

// Every parameter's name and shape, derived from the config without building the model (so a
// real 8B config costs nothing). A test keeps it equal to a built model's named_parameters().
std::vector<std::pair<std::string, std::vector<int64_t>>> expected_parameters(const ModelConfig& c);

// Parameter count without allocating: the decoder, the tower, the projector, and their sum.
struct ParamCount {
  int64_t llm = 0, vision = 0, projector = 0;
  int64_t total() const { return llm + vision + projector; }
};
ParamCount count_parameters(const ModelConfig& c);

}  // namespace insightv
