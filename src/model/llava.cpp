// model/llava.cpp — the multimodal LM: tower, projector, anyres packing, splice, decoder pass.
#include <torch/torch.h>

#include "model/llava.h"

#include "util/error.h"

namespace insightv {

VisionTowerImpl::VisionTowerImpl(const VisionConfig& c) {
  vision_tower = register_module("vision_tower", ClipVision(c));
}

MultimodalLMImpl::MultimodalLMImpl(const ModelConfig& c) : config_(c), rope_(c.text.head_dim, c.text.rope_theta) {
  model = register_module("model", DecoderBody(c.text));
  if (!c.text.tie_word_embeddings)
    lm_head = register_module("lm_head", torch::nn::Linear(torch::nn::LinearOptions(c.text.hidden_size, c.text.vocab_size).bias(false)));
  if (c.is_multimodal()) {
    vision = model->register_module("vision_tower", VisionTower(*c.vision));
    check(c.mm.mm_projector_type == "mlp2x_gelu", "model", "only the mlp2x_gelu projector is built",
          "set mm_projector_type to mlp2x_gelu");
    mm_projector = model->register_module(
        "mm_projector", torch::nn::Sequential(torch::nn::Linear(c.mm.mm_hidden_size, c.text.hidden_size),
                                              torch::nn::GELU(),
                                              torch::nn::Linear(c.text.hidden_size, c.text.hidden_size)));
    image_newline = model->register_parameter("image_newline", torch::zeros({c.text.hidden_size}));
  }
}

void MultimodalLMImpl::resize_vocabulary(int64_t new_vocab) {
  const int64_t old_vocab = config_.text.vocab_size;
  check(new_vocab >= old_vocab, "model", "cannot shrink the vocabulary from " + std::to_string(old_vocab) + " to " +
                                             std::to_string(new_vocab));
  if (new_vocab == old_vocab) return;
  torch::NoGradGuard no_grad;
  auto grow = [&](torch::Tensor& w) {
    auto mean = w.mean(0, /*keepdim=*/true);
    w.set_data(torch::cat({w.detach(), mean.expand({new_vocab - old_vocab, w.size(1)})}, 0).contiguous());
  };
  grow(model->embed_tokens->weight);
  if (lm_head) grow(lm_head->weight);
  config_.text.vocab_size = new_vocab;
}

torch::Tensor MultimodalLMImpl::embed(const torch::Tensor& ids) { return model->embed_tokens(ids); }

torch::Tensor MultimodalLMImpl::logits(const torch::Tensor& hidden) {
  const auto& w = lm_head ? lm_head->weight : model->embed_tokens->weight;
  if (torch::GradMode::is_enabled()) return torch::linear(hidden, w);
  Bf16Matmuls fp32_logits(false);  // logits stay fp32 when the layers' matmuls run in bf16
  return logits_.apply(hidden, w);
}

DecoderOutput MultimodalLMImpl::forward(const torch::Tensor& embeds, const DecoderInputs& in) {
  const int64_t B = embeds.size(0), T = embeds.size(1);
  const int64_t P = in.cache != nullptr ? in.cache->length : 0;
  torch::Tensor positions = in.positions;
  if (!positions.defined())
    positions = torch::arange(P, P + T, torch::TensorOptions().dtype(torch::kInt64).device(embeds.device()))
                    .unsqueeze(0).expand({B, T});
  if (in.cache != nullptr) {
    if (!in.cache->allocated())
      in.cache->allocate(config_.text.num_hidden_layers, B, config_.text.num_key_value_heads,
                         std::max<int64_t>(P + T, 64), config_.text.head_dim, embeds.options());
    in.cache->ensure_capacity(P + T);
  }
  auto [cos, sin] = rope_.tables(positions);
  auto mask = build_attention_mask(B, T, P, in.key_padding, embeds.options());
  DecoderOutput out;
  auto h = embeds;
  if (in.hidden_states) out.hidden_states.push_back(h);
  const int64_t L = static_cast<int64_t>(model->layers->size());
  for (int64_t l = 0; l < L; ++l) {
    h = model->layers[l]->as<DecoderLayer>()->forward(h, cos, sin, mask, in.cache, l);
    if (in.hidden_states && l + 1 < L) out.hidden_states.push_back(h);
  }
  if (in.hidden_states) out.last_layer_prenorm = h;
  if (in.cache != nullptr) in.cache->length = P + T;
  h = model->norm(h);
  if (in.hidden_states) out.hidden_states.push_back(h);
  out.last_hidden = h;
  if (in.logits) out.logits = logits(in.last_only ? h.narrow(1, T - 1, 1) : h);
  return out;
}

torch::Tensor MultimodalLMImpl::vision_features(const torch::Tensor& pixels) {
  check(config_.is_multimodal(), "model", "this model has no vision tower");
  return vision->vision_tower->select(pixels, config_.mm.mm_vision_select_layer,
                                      config_.mm.mm_vision_select_feature == "patch");
}

torch::Tensor MultimodalLMImpl::project(const torch::Tensor& features) { return mm_projector->forward(features); }

torch::Tensor MultimodalLMImpl::encode_tiles(const torch::Tensor& pixels) { return project(vision_features(pixels)); }

torch::Tensor MultimodalLMImpl::pack_anyres(const torch::Tensor& tiles, Size2 original) {
  const int64_t N = tiles.size(0), P = tiles.size(1), C = tiles.size(2);
  auto base = tiles[0];  // [P,C]
  if (N == 1) return base;
  const int64_t side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(P))));
  check(side * side == P, "anyres", "tile features are not square: " + std::to_string(P));
  const int64_t S = config_.vision->image_size;
  const Size2 best = select_best_resolution(original, config_.mm.image_grid_pinpoints);
  const int64_t nw = best.w / S, nh = best.h / S;
  check(nw * nh == N - 1, "anyres",
        "got " + std::to_string(N - 1) + " grid tiles but the best resolution " + std::to_string(best.w) + "x" +
            std::to_string(best.h) + " needs " + std::to_string(nw * nh));
  // [nh, nw, side, side, C] → [nh*side, nw*side, C]
  auto grid = tiles.narrow(0, 1, N - 1).view({nh, nw, side, side, C}).permute({0, 2, 1, 3, 4})
                  .reshape({nh * side, nw * side, C});
  const UnpadWindow w = unpad_window(nh * side, nw * side, original);
  grid = grid.narrow(0, w.row0, w.row1 - w.row0).narrow(1, w.col0, w.col1 - w.col0);
  auto newline = image_newline.view({1, 1, C}).expand({grid.size(0), 1, C}).to(grid.scalar_type());
  grid = torch::cat({grid, newline}, 1).reshape({-1, C});
  return torch::cat({base, grid}, 0);
}

torch::Tensor MultimodalLMImpl::splice(const std::vector<int64_t>& ids, const std::vector<torch::Tensor>& images,
                                       bool expanded) {
  const int64_t placeholder = config_.mm.image_token_index;
  const auto dev = model->embed_tokens->weight.device();
  std::vector<torch::Tensor> parts;
  std::vector<int64_t> text;
  size_t image = 0;
  int64_t offset_in_image = 0;
  // Image features join the text embeddings in the decoder's dtype and device (a bf16 decoder
  // may be handed fp32 features, e.g. cached or computed elsewhere); converted once per image.
  std::vector<torch::Tensor> converted(images.size());
  auto feats_of = [&](size_t i) -> const torch::Tensor& {
    if (!converted[i].defined()) {
      const auto& w = model->embed_tokens->weight;
      converted[i] = images[i].to(w.device(), w.scalar_type());
    }
    return converted[i];
  };
  auto flush = [&] {
    if (text.empty()) return;
    parts.push_back(embed(torch::tensor(text, torch::kInt64).to(dev)));
    text.clear();
  };
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != placeholder) {
      text.push_back(ids[i]);
      continue;
    }
    flush();
    check(image < images.size(), "splice", "the prompt has more image placeholders than images (" +
                                               std::to_string(images.size()) + ")");
    const torch::Tensor& feats = feats_of(image);
    if (!expanded) {
      parts.push_back(feats);
      ++image;
      continue;
    }
    parts.push_back(feats.narrow(0, offset_in_image, 1));
    if (++offset_in_image == images[image].size(0)) {
      ++image;
      offset_in_image = 0;
    }
  }
  flush();
  check(image == images.size() && offset_in_image == 0, "splice",
        "the prompt's image placeholders do not match the " + std::to_string(images.size()) + " image(s) given",
        "one <image> per image (or, expanded, one per image feature)");
  return torch::cat(parts, 0).unsqueeze(0);
}

std::vector<std::pair<std::string, std::vector<int64_t>>> expected_parameters(const ModelConfig& c) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  const TextConfig& t = c.text;
  const int64_t C = t.hidden_size, Dq = t.num_attention_heads * t.head_dim, Dkv = t.num_key_value_heads * t.head_dim;
  auto add = [&](std::string n, std::vector<int64_t> s) { out.emplace_back(std::move(n), std::move(s)); };
  add("model.embed_tokens.weight", {t.vocab_size, C});
  for (int64_t l = 0; l < t.num_hidden_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "self_attn.q_proj.weight", {Dq, C});
    if (t.attention_bias) add(p + "self_attn.q_proj.bias", {Dq});
    add(p + "self_attn.k_proj.weight", {Dkv, C});
    if (t.attention_bias) add(p + "self_attn.k_proj.bias", {Dkv});
    add(p + "self_attn.v_proj.weight", {Dkv, C});
    if (t.attention_bias) add(p + "self_attn.v_proj.bias", {Dkv});
    add(p + "self_attn.o_proj.weight", {C, Dq});
    add(p + "mlp.gate_proj.weight", {t.intermediate_size, C});
    add(p + "mlp.up_proj.weight", {t.intermediate_size, C});
    add(p + "mlp.down_proj.weight", {C, t.intermediate_size});
    add(p + "input_layernorm.weight", {C});
    add(p + "post_attention_layernorm.weight", {C});
  }
  add("model.norm.weight", {C});
  if (c.is_multimodal()) {
    const VisionConfig& v = *c.vision;
    const int64_t W = v.hidden_size;
    const std::string vp = "model.vision_tower.vision_tower.vision_model.";
    add(vp + "embeddings.class_embedding", {W});
    add(vp + "embeddings.patch_embedding.weight", {W, v.num_channels, v.patch_size, v.patch_size});
    add(vp + "embeddings.position_embedding.weight", {v.num_patches() + 1, W});
    add(vp + "pre_layrnorm.weight", {W});
    add(vp + "pre_layrnorm.bias", {W});
    for (int64_t l = 0; l < v.num_hidden_layers; ++l) {
      const std::string p = vp + "encoder.layers." + std::to_string(l) + ".";
      for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
        add(p + "self_attn." + proj + ".weight", {W, W});
        add(p + "self_attn." + proj + ".bias", {W});
      }
      add(p + "layer_norm1.weight", {W});
      add(p + "layer_norm1.bias", {W});
      add(p + "mlp.fc1.weight", {v.intermediate_size, W});
      add(p + "mlp.fc1.bias", {v.intermediate_size});
      add(p + "mlp.fc2.weight", {W, v.intermediate_size});
      add(p + "mlp.fc2.bias", {W});
      add(p + "layer_norm2.weight", {W});
      add(p + "layer_norm2.bias", {W});
    }
    add(vp + "post_layernorm.weight", {W});
    add(vp + "post_layernorm.bias", {W});
    add("model.mm_projector.0.weight", {C, c.mm.mm_hidden_size});
    add("model.mm_projector.0.bias", {C});
    add("model.mm_projector.2.weight", {C, C});
    add("model.mm_projector.2.bias", {C});
    add("model.image_newline", {C});
  }
  if (!t.tie_word_embeddings) add("lm_head.weight", {t.vocab_size, C});
  return out;
}

ParamCount count_parameters(const ModelConfig& c) {
  ParamCount p;
  for (const auto& [name, shape] : expected_parameters(c)) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    if (name.find("vision_tower") != std::string::npos)
      p.vision += n;
    else if (name.find("mm_projector") != std::string::npos || name == "model.image_newline")
      p.projector += n;
    else
      p.llm += n;
  }
  return p;
}

}  // namespace insightv
