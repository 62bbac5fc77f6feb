// model/image_processor.cpp — anyres / resize / pad preprocessing into normalised tiles.
#include <torch/torch.h>

#include "model/image_processor.h"

#include <cmath>

#include "io/image_ops.h"
#include "util/error.h"

namespace insightv {

torch::Tensor normalize_tile(const Image& tile, const VisionConfig& v) {
  auto t = torch::from_blob(const_cast<uint8_t*>(tile.rgb.data()), {tile.height, tile.width, 3}, torch::kUInt8)
               .permute({2, 0, 1})
               .to(torch::kFloat32);
  auto mean = torch::tensor(std::vector<float>(v.image_mean.begin(), v.image_mean.end())).view({3, 1, 1});
  auto std = torch::tensor(std::vector<float>(v.image_std.begin(), v.image_std.end())).view({3, 1, 1});
  return (t * static_cast<float>(1.0 / 255.0) - mean) / std;
}

ImageTiles preprocess_image(const Image& img, const ModelConfig& cfg) {
  check(cfg.is_multimodal(), "image", "this model has no vision tower");
  check(!img.empty(), "image", "empty image");
  const VisionConfig& v = *cfg.vision;
  const int S = static_cast<int>(v.image_size);
  ImageTiles out;
  out.size = {img.width, img.height};
  std::vector<torch::Tensor> tiles;
  const std::string& mode = cfg.mm.image_aspect_ratio;
  if (mode == "anyres" && !cfg.mm.image_grid_pinpoints.empty()) {
    const Size2 best = select_best_resolution(out.size, cfg.mm.image_grid_pinpoints);
    const ResizePlan plan = plan_resize_and_pad(out.size, best);
    const uint8_t black[3] = {0, 0, 0};
    const Image canvas = paste_on_canvas(resize_bicubic(img, static_cast<int>(plan.resized.w), static_cast<int>(plan.resized.h)),
                                         static_cast<int>(best.w), static_cast<int>(best.h),
                                         static_cast<int>(plan.pad_left), static_cast<int>(plan.pad_top), black);
    tiles.push_back(normalize_tile(resize_bicubic(img, S, S), v));
    for (int y = 0; y + S <= canvas.height; y += S)
      for (int x = 0; x + S <= canvas.width; x += S) tiles.push_back(normalize_tile(crop(canvas, x, y, S, S), v));
  } else if (mode == "pad") {
    const int side = std::max(img.width, img.height);
    uint8_t fill[3];
    for (int c = 0; c < 3; ++c) fill[c] = static_cast<uint8_t>(std::lround(v.image_mean[c] * 255.0));
    const Image square = paste_on_canvas(img, side, side, (side - img.width) / 2, (side - img.height) / 2, fill);
    tiles.push_back(normalize_tile(resize_bicubic(square, S, S), v));
  } else {
    tiles.push_back(normalize_tile(resize_bicubic(img, S, S), v));
  }
  out.pixels = torch::stack(tiles);
  return out;
}

}  // namespace insightv
