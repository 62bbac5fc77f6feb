// train/batch_builder.cpp — splice, label expansion, padding; the frozen tower's feature cache.
#include <torch/torch.h>

#include "train/batch_builder.h"

#include "train/losses.h"
#include "util/error.h"

namespace insightv {

BatchBuilder::BatchBuilder(MultimodalLM lm, ImageLoader load_image, int64_t max_length)
    : lm_(std::move(lm)), load_image_(std::move(load_image)), max_length_(max_length) {}

bool BatchBuilder::tower_trainable() const {
  if (!lm_->vision) return false;
  for (const auto& p : lm_->vision->parameters())
    if (p.requires_grad()) return true;
  return false;
}

torch::Tensor BatchBuilder::image_features(const std::string& key) {
  check(static_cast<bool>(load_image_) || tower_cache_.count(key) > 0, "train",
        "example refers to image '" + key + "' but no image loader is set");
  if (tower_trainable()) {
    // A trained tower changes every step: run it (with gradients when grad mode is on), cache nothing.
    ImageTiles tiles = load_image_(key);
    return lm_->pack_anyres(lm_->project(lm_->vision_features(tiles.pixels)), tiles.size);
  }
  auto it = tower_cache_.find(key);
  if (it == tower_cache_.end()) {
    ImageTiles tiles = load_image_(key);
    torch::Tensor feats;
    {
      torch::NoGradGuard no_grad;  // the tower is frozen
      feats = lm_->vision_features(tiles.pixels).detach();
    }
    it = tower_cache_.emplace(key, std::make_pair(feats, tiles.size)).first;
  }
  return lm_->pack_anyres(lm_->project(it->second.first), it->second.second);
}

std::pair<torch::Tensor, torch::Tensor> BatchBuilder::build(const std::vector<const TrainExample*>& rows) {
  const int64_t placeholder = lm_->config().mm.image_token_index;
  std::vector<torch::Tensor> embeds;
  std::vector<std::vector<int64_t>> labels;
  int64_t T = 0;
  for (const TrainExample* e : rows) {
    std::vector<torch::Tensor> images;
    int64_t n_img = 0;
    if (!e->image.empty()) {
      images.push_back(image_features(e->image));
      n_img = images.back().size(0);
    }
    auto x = lm_->splice(e->ids, images)[0];  // [T',C]
    std::vector<int64_t> lab;
    for (size_t i = 0; i < e->ids.size(); ++i) {
      if (e->ids[i] == placeholder && n_img > 0) lab.insert(lab.end(), static_cast<size_t>(n_img), kIgnoreIndex);
      else lab.push_back(e->labels[i]);
    }
    const int64_t len = std::min<int64_t>(x.size(0), max_length_);
    embeds.push_back(x.narrow(0, 0, len));
    lab.resize(static_cast<size_t>(len));
    labels.push_back(std::move(lab));
    T = std::max(T, len);
  }
  const int64_t B = static_cast<int64_t>(rows.size()), C = embeds[0].size(1);
  std::vector<torch::Tensor> padded;
  auto lab_t = torch::full({B, T}, kIgnoreIndex, torch::kInt64);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = embeds[b].size(0);
    padded.push_back(n < T ? torch::cat({embeds[b], torch::zeros({T - n, C}, embeds[b].options())}) : embeds[b]);
    lab_t[b].narrow(0, 0, n).copy_(torch::tensor(labels[b], torch::kInt64));
  }
  return {torch::stack(padded), lab_t};
}

}  // namespace insightv
