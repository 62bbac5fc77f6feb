// model/anyres.h — LLaVA-NeXT "anyres" geometry: which grid of tiles an image gets, how large
// its resized copy is, and which feature rows survive `spatial_unpad`. Torch-free arithmetic,
// in the original LLaVA code's integer conventions (PAPER.md §6.1; golden README).
// Sizes are (width, height) throughout.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace insightv {

struct Size2 {
  int64_t w = 0, h = 0;
  bool operator==(const Size2& o) const { return w == o.w && h == o.h; }
};

// Among the pinpoints (w, h), the one that keeps the most effective resolution of an image of
// size `image` after an aspect-preserving downscale; ties go to the least wasted area.
Size2 select_best_resolution(Size2 image, const std::vector<std::pair<int64_t, int64_t>>& pinpoints);

// The aspect-preserving resize of `image` into `target` (the scaled side gets ceil, as the
// original resize_and_pad_image does), and the padding offsets that centre it.
struct ResizePlan {
  Size2 resized;
  int64_t pad_left = 0, pad_top = 0;
};
ResizePlan plan_resize_and_pad(Size2 image, Size2 target);

// Feature grid unpadding: the grid is (rows, cols) of patch features covering the padded
// canvas; returns the [row0, row1) x [col0, col1) window that covers the original image.
struct UnpadWindow {
  int64_t row0 = 0, row1 = 0, col0 = 0, col1 = 0;
};
UnpadWindow unpad_window(int64_t rows, int64_t cols, Size2 original);

// Number of image tokens an image of `original` size becomes: base view + unpadded grid
// with one newline per row.
int64_t anyres_token_count(Size2 original, int64_t tile, int64_t patches_per_side,
                           const std::vector<std::pair<int64_t, int64_t>>& pinpoints);

}  // namespace insightv
