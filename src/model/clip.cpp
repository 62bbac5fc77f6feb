// model/clip.cpp — CLIP vision transformer: patch embedding, pre-LN encoder, layer selection.
#include <torch/torch.h>

#include "model/clip.h"

#include <cmath>

#include "model/llama.h"
#include "util/error.h"

namespace insightv {

namespace F = torch::nn::functional;

ClipAttentionImpl::ClipAttentionImpl(int64_t width, int64_t heads_) : heads(heads_) {
  q_proj = register_module("q_proj", torch::nn::Linear(width, width));
  k_proj = register_module("k_proj", torch::nn::Linear(width, width));
  v_proj = register_module("v_proj", torch::nn::Linear(width, width));
  out_proj = register_module("out_proj", torch::nn::Linear(width, width));
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t N = x.size(0), P = x.size(1), C = x.size(2), D = C / heads;
  auto q = q_proj(x).view({N, P, heads, D}).transpose(1, 2);  // [N,h,P,D]
  auto k = k_proj(x).view({N, P, heads, D}).transpose(1, 2);
  auto v = v_proj(x).view({N, P, heads, D}).transpose(1, 2);
  auto scores = torch::matmul(q * (1.0 / std::sqrt(static_cast<double>(D))), k.transpose(2, 3));
  auto probs = torch::softmax(scores, -1, compute_dtype(scores)).to(x.scalar_type());
  return out_proj(torch::matmul(probs, v).transpose(1, 2).reshape({N, P, C}));
}

ClipMlpImpl::ClipMlpImpl(int64_t width, int64_t intermediate, std::string act_) : act(std::move(act_)) {
  check(act == "quick_gelu" || act == "gelu", "clip", "hidden_act '" + act + "' is not supported",
        "use quick_gelu or gelu");
  fc1 = register_module("fc1", torch::nn::Linear(width, intermediate));
  fc2 = register_module("fc2", torch::nn::Linear(intermediate, width));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& x) {
  auto h = fc1(x);
  h = act == "quick_gelu" ? h * torch::sigmoid(1.702 * h) : F::gelu(h);
  return fc2(h);
}

ClipLayerImpl::ClipLayerImpl(const VisionConfig& c) {
  using torch::nn::LayerNormOptions;
  self_attn = register_module("self_attn", ClipAttention(c.hidden_size, c.num_attention_heads));
  layer_norm1 = register_module("layer_norm1", torch::nn::LayerNorm(LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  mlp = register_module("mlp", ClipMlp(c.hidden_size, c.intermediate_size, c.hidden_act));
  layer_norm2 = register_module("layer_norm2", torch::nn::LayerNorm(LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
}

torch::Tensor ClipLayerImpl::forward(const torch::Tensor& x) {
  auto h = x + self_attn(layer_norm1(x));
  return h + mlp(layer_norm2(h));
}

ClipEmbeddingsImpl::ClipEmbeddingsImpl(const VisionConfig& c) {
  class_embedding = register_parameter("class_embedding", torch::randn({c.hidden_size}));
  patch_embedding = register_module(
      "patch_embedding",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(c.num_channels, c.hidden_size, c.patch_size)
                            .stride(c.patch_size).bias(false)));
  position_embedding = register_module("position_embedding", torch::nn::Embedding(c.num_patches() + 1, c.hidden_size));
}

torch::Tensor ClipEmbeddingsImpl::forward(const torch::Tensor& pixels) {
  const int64_t N = pixels.size(0);
  auto patches = patch_embedding(pixels.to(class_embedding.scalar_type())).flatten(2).transpose(1, 2);  // [N,P,C]
  auto cls = class_embedding.view({1, 1, -1}).expand({N, 1, class_embedding.size(0)});
  return torch::cat({cls, patches}, 1) + position_embedding->weight.unsqueeze(0);
}

ClipEncoderImpl::ClipEncoderImpl(const VisionConfig& c) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(ClipLayer(c));
}

ClipTransformerImpl::ClipTransformerImpl(const VisionConfig& c) {
  using torch::nn::LayerNormOptions;
  embeddings = register_module("embeddings", ClipEmbeddings(c));
  pre_layrnorm = register_module("pre_layrnorm", torch::nn::LayerNorm(LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  encoder = register_module("encoder", ClipEncoder(c));
  post_layernorm = register_module("post_layernorm", torch::nn::LayerNorm(LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
}

ClipVisionImpl::ClipVisionImpl(const VisionConfig& c) : config(c) {
  vision_model = register_module("vision_model", ClipTransformer(c));
}

std::vector<torch::Tensor> ClipVisionImpl::hidden_states(const torch::Tensor& pixels, int64_t upto) {
  const int64_t S = config.image_size;
  check(pixels.dim() == 4 && pixels.size(1) == config.num_channels && pixels.size(2) == S && pixels.size(3) == S,
        "clip", "pixel_values must be [N," + std::to_string(config.num_channels) + "," + std::to_string(S) + "," +
                    std::to_string(S) + "], got " + c10::str(pixels.sizes()));
  std::vector<torch::Tensor> hs;
  auto h = vision_model->pre_layrnorm(vision_model->embeddings(pixels));
  hs.push_back(h);
  const int64_t L = static_cast<int64_t>(vision_model->encoder->layers->size());
  const int64_t stop = upto < 0 ? L : std::min(upto, L);
  for (int64_t i = 0; i < stop; ++i) {
    h = vision_model->encoder->layers[i]->as<ClipLayer>()->forward(h);
    hs.push_back(h);
  }
  return hs;
}

torch::Tensor ClipVisionImpl::select(const torch::Tensor& pixels, int64_t select_layer, bool drop_cls) {
  const int64_t L = config.num_hidden_layers;
  const int64_t index = select_layer < 0 ? L + 1 + select_layer : select_layer;
  check(index >= 0 && index <= L, "clip", "select layer " + std::to_string(select_layer) + " is outside 0.." + std::to_string(L));
  auto hs = hidden_states(pixels, index);
  auto h = hs[index];
  return drop_cls ? h.narrow(1, 1, h.size(1) - 1) : h;
}

torch::Tensor ClipVisionImpl::pooled(const torch::Tensor& last_hidden) {
  return vision_model->post_layernorm(last_hidden.select(1, 0));
}

}  // namespace insightv
