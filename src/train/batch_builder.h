// train/batch_builder.h — tokenised examples → model inputs: image features spliced in at the
// placeholder, labels expanded (−100 over image tokens), right padding, truncation.
//
// While the vision tower is frozen (the default tunable parts), each image's tower output is
// computed once and cached in memory (keyed by image path); the projector runs on every use,
// since it is trained. When any tower parameter requires grad (`mm_vision_tower` among the
// tunable parts), the tower runs on every use (with gradients in grad mode) and nothing is
// cached. Shared by the SFT and DPO trainers. Not thread-safe.
//
//   BatchBuilder bb(lm, load_image, max_length);
//   auto [x, labels] = bb.build({&ex1, &ex2});     // x [B,T,C], labels [B,T]
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "data/sft_data.h"
#include "model/image_processor.h"
#include "model/llava.h"

namespace insightv {

// Image key → normalised tiles [N,3,S,S] and the original (width, height).
using ImageLoader = std::function<ImageTiles(const std::string&)>;

class BatchBuilder {
 public:
  BatchBuilder(MultimodalLM lm, ImageLoader load_image, int64_t max_length);
  std::pair<torch::Tensor, torch::Tensor> build(const std::vector<const TrainExample*>& rows);
  // Projected, packed features of one image (tower output cached).
  torch::Tensor image_features(const std::string& key);
  size_t cached_images() const { return tower_cache_.size(); }
  // True when some tower parameter requires grad (its features are then never cached).
  bool tower_trainable() const;

 private:
  MultimodalLM lm_;
  ImageLoader load_image_;
  int64_t max_length_;
  std::map<std::string, std::pair<torch::Tensor, Size2>> tower_cache_;
};

}  // namespace insightv
