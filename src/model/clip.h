// model/clip.h — the CLIP vision transformer (as Hugging Face's CLIPVisionModel).
//
// Names follow the hub: vision_model.embeddings.{class_embedding, patch_embedding,
// position_embedding}, vision_model.pre_layrnorm [sic], vision_model.encoder.layers.N.
// {self_attn.{q,k,v,out}_proj, layer_norm1, mlp.fc1, mlp.fc2, layer_norm2},
// vision_model.post_layernorm. Dimension letters: N images, P patches (+1 with CLS), C width.
//
//   ClipVision tower(vcfg);
//   auto hs = tower->hidden_states(pixels);   // L+1 tensors [N,P+1,C]; hs[0] = pre_layrnorm(embeddings)
//   auto feats = tower->select(pixels, -2, /*drop_cls=*/true);   // [N,P,C]
#pragma once

#include <torch/torch.h>

#include <vector>

#include "model/config.h"

namespace insightv {

class ClipAttentionImpl : public torch::nn::Module {
 public:
  ClipAttentionImpl(int64_t width, int64_t heads);
  torch::Tensor forward(const torch::Tensor& x);  // [N,P,C]
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
  int64_t heads;
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
 public:
  ClipMlpImpl(int64_t width, int64_t intermediate, std::string act);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  std::string act;
};
TORCH_MODULE(ClipMlp);

class ClipLayerImpl : public torch::nn::Module {
 public:
  explicit ClipLayerImpl(const VisionConfig& c);
  torch::Tensor forward(const torch::Tensor& x);
  ClipAttention self_attn{nullptr};
  torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
  ClipMlp mlp{nullptr};
};
TORCH_MODULE(ClipLayer);

class ClipEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit ClipEmbeddingsImpl(const VisionConfig& c);
  torch::Tensor forward(const torch::Tensor& pixels);  // [N,3,S,S] → [N,P+1,C]
  torch::Tensor class_embedding;
  torch::nn::Conv2d patch_embedding{nullptr};
  torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(ClipEmbeddings);

class ClipEncoderImpl : public torch::nn::Module {
 public:
  explicit ClipEncoderImpl(const VisionConfig& c);
  torch::nn::ModuleList layers;
};
TORCH_MODULE(ClipEncoder);

class ClipTransformerImpl : public torch::nn::Module {
 public:
  explicit ClipTransformerImpl(const VisionConfig& c);
  ClipEmbeddings embeddings{nullptr};
  torch::nn::LayerNorm pre_layrnorm{nullptr};
  ClipEncoder encoder{nullptr};
  torch::nn::LayerNorm post_layernorm{nullptr};
};
TORCH_MODULE(ClipTransformer);

class ClipVisionImpl : public torch::nn::Module {
 public:
  explicit ClipVisionImpl(const VisionConfig& c);
  // Every hidden state: [0] = pre_layrnorm(embeddings), [i] = output of layer i-1.
  // Stops after `upto` layers when upto >= 0 (layers past the selected one are never needed).
  std::vector<torch::Tensor> hidden_states(const torch::Tensor& pixels, int64_t upto = -1);
  // hidden_states[select_layer] (negative counts from the end), CLS dropped when drop_cls.
  torch::Tensor select(const torch::Tensor& pixels, int64_t select_layer, bool drop_cls);
  // post_layernorm(last hidden state's CLS) [N,C]
  torch::Tensor pooled(const torch::Tensor& last_hidden);
  ClipTransformer vision_model{nullptr};
  VisionConfig config;
};
TORCH_MODULE(ClipVision);

}  // namespace insightv
