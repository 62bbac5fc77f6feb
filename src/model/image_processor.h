// model/image_processor.h — an RGB image → the normalised tiles a model's vision tower takes.
//
// By the config's image_aspect_ratio:
//   anyres  (LLaVA-NeXT): best pinpoint resolution, aspect-preserving bicubic resize, black
//           padding centred, cut into S×S tiles row-major, the whole image squashed to S×S as
//           the base view first → [1 + rows·cols, 3, S, S];
//   resize: the image squashed to S×S → [1, 3, S, S] (the nano model);
//   pad:    expanded to a square with the mean colour, then resized → [1, 3, S, S].
// Each tile is (u8/255 − mean)/std per channel (the tower's image_mean/image_std).
// The resize is Pillow's bicubic (io/image_ops.h), so tiles match the reference processors.
#pragma once

#include <torch/torch.h>

#include "io/image.h"
#include "model/anyres.h"
#include "model/config.h"

namespace insightv {

struct ImageTiles {
  torch::Tensor pixels;  // [N,3,S,S] fp32
  Size2 size;            // the original (width, height)
};

ImageTiles preprocess_image(const Image& img, const ModelConfig& cfg);
// One S×S RGB8 image → [3,S,S] normalised.
torch::Tensor normalize_tile(const Image& tile, const VisionConfig& v);

}  // namespace insightv
