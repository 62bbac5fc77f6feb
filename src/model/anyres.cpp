// model/anyres.cpp — best-resolution choice, resize/pad plan and unpadding window for anyres.
#include "model/anyres.h"

#include <cmath>
#include <limits>

#include "util/error.h"

namespace insightv {

Size2 select_best_resolution(Size2 image, const std::vector<std::pair<int64_t, int64_t>>& pinpoints) {
  check(!pinpoints.empty(), "anyres", "no image_grid_pinpoints configured");
  check(image.w > 0 && image.h > 0, "anyres", "empty image");
  Size2 best;
  int64_t best_effective = -1, best_waste = std::numeric_limits<int64_t>::max();
  for (const auto& [w, h] : pinpoints) {
    const double scale = std::min(static_cast<double>(w) / image.w, static_cast<double>(h) / image.h);
    const int64_t dw = static_cast<int64_t>(image.w * scale), dh = static_cast<int64_t>(image.h * scale);
    const int64_t effective = std::min(dw * dh, image.w * image.h);
    const int64_t waste = w * h - effective;
    if (effective > best_effective || (effective == best_effective && waste < best_waste)) {
      best_effective = effective;
      best_waste = waste;
      best = {w, h};
    }
  }
  return best;
}

ResizePlan plan_resize_and_pad(Size2 image, Size2 target) {
  const double sw = static_cast<double>(target.w) / image.w, sh = static_cast<double>(target.h) / image.h;
  ResizePlan p;
  if (sw < sh) {
    p.resized = {target.w, std::min(static_cast<int64_t>(std::ceil(image.h * sw)), target.h)};
  } else {
    p.resized = {std::min(static_cast<int64_t>(std::ceil(image.w * sh)), target.w), target.h};
  }
  p.pad_left = (target.w - p.resized.w) / 2;
  p.pad_top = (target.h - p.resized.h) / 2;
  return p;
}

UnpadWindow unpad_window(int64_t rows, int64_t cols, Size2 original) {
  UnpadWindow win{0, rows, 0, cols};
  const double original_aspect = static_cast<double>(original.w) / original.h;
  const double current_aspect = static_cast<double>(cols) / rows;
  if (original_aspect > current_aspect) {
    const double scale = static_cast<double>(cols) / original.w;
    const int64_t new_h = static_cast<int64_t>(original.h * scale);
    const int64_t pad = (rows - new_h) / 2;
    win.row0 = pad;
    win.row1 = rows - pad;
  } else {
    const double scale = static_cast<double>(rows) / original.h;
    const int64_t new_w = static_cast<int64_t>(original.w * scale);
    const int64_t pad = (cols - new_w) / 2;
    win.col0 = pad;
    win.col1 = cols - pad;
  }
  return win;
}

int64_t anyres_token_count(Size2 original, int64_t tile, int64_t patches_per_side,
                           const std::vector<std::pair<int64_t, int64_t>>& pinpoints) {
  const Size2 best = select_best_resolution(original, pinpoints);
  const int64_t rows = best.h / tile * patches_per_side, cols = best.w / tile * patches_per_side;
  const UnpadWindow w = unpad_window(rows, cols, original);
  return patches_per_side * patches_per_side + (w.row1 - w.row0) * (w.col1 - w.col0 + 1);
}

}  // namespace insightv
