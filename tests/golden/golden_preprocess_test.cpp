// Golden parity of image preprocessing with Hugging Face's CLIP and LLaVA-NeXT processors
// (Pillow bicubic): the uint8 intermediates must match exactly, the normalised tiles to 1e-6.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "io/image_ops.h"
#include "model/checkpoint.h"
#include "model/image_processor.h"
#include "support/golden.h"
#include "support/tensor_compare.h"

using namespace insightv;
using insightv::test::tensors_close;

namespace {

torch::Tensor as_tensor(const Image& img) {
  return torch::from_blob(const_cast<uint8_t*>(img.rgb.data()), {img.height, img.width, 3}, torch::kUInt8).clone();
}
}  // namespace

TEST(GoldenPreprocess, AnyresIntermediatesAreBitExact) {
  const Image img = read_image(test::golden_dir() + "llava_next/image.png");
  TensorSource pre(test::golden_dir() + "llava_next/preprocess.safetensors");
  ASSERT_EQ(img.width, 100);
  ASSERT_EQ(img.height, 40);
  EXPECT_TRUE(torch::equal(as_tensor(img), pre.get("image_rgb")));
  const ModelConfig cfg = load_model_config(test::golden_dir() + "llava_next/config.json");
  const Size2 best = select_best_resolution({100, 40}, cfg.mm.image_grid_pinpoints);
  auto hw = pre.get("best_resolution_hw");
  EXPECT_EQ(best.h, hw[0].item<int64_t>());
  EXPECT_EQ(best.w, hw[1].item<int64_t>());
  const ResizePlan plan = plan_resize_and_pad({100, 40}, best);
  const Image resized = resize_bicubic(img, static_cast<int>(plan.resized.w), static_cast<int>(plan.resized.h));
  EXPECT_TRUE(torch::equal(as_tensor(resized), pre.get("anyres_resized")));
  const uint8_t black[3] = {0, 0, 0};
  const Image padded = paste_on_canvas(resized, static_cast<int>(best.w), static_cast<int>(best.h),
                                       static_cast<int>(plan.pad_left), static_cast<int>(plan.pad_top), black);
  EXPECT_TRUE(torch::equal(as_tensor(padded), pre.get("anyres_padded")));
  EXPECT_TRUE(torch::equal(as_tensor(resize_bicubic(img, 32, 32)), pre.get("base_resized")));

  SafetensorsFile in(test::golden_dir() + "llava_next/inputs.safetensors");
  auto expected = tensor_from_file(in, in.at("pixel_values"))[0];
  const ImageTiles tiles = preprocess_image(img, cfg);
  EXPECT_TRUE(tensors_close(tiles.pixels, expected, 1e-6, 0));
}

TEST(GoldenPreprocess, ClipShortestEdgeResizeAndCenterCropMatch) {
  const Image img = read_image(test::golden_dir() + "llava_next/image.png");
  // shortest_edge 32: 100×40 → 80×32, then the centre 32×32.
  const Image tile = crop(resize_bicubic(img, 80, 32), 24, 0, 32, 32);
  const ModelConfig cfg = load_model_config(test::golden_dir() + "llava_next/config.json");
  SafetensorsFile in(test::golden_dir() + "clip_vision/inputs.safetensors");
  auto expected = tensor_from_file(in, in.at("pixel_values"))[0];
  EXPECT_TRUE(tensors_close(normalize_tile(tile, *cfg.vision), expected, 1e-6, 0));
}
