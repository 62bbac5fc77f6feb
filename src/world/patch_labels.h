// world/patch_labels.h — dense supervision for the vision stage: what each image patch shows,
// read off the task's scene graph and its rendered pixels.
//
//   Image img;
//   Task t = generate_task(spec, &img);
//   PatchLabels l = patch_labels(t, img, /*patch=*/16);   // 8 x 8 patches at 128 px
//   l.color[p], l.shape[p], l.number[p]   // per patch p (row-major); 0 = nothing there
//   l.hour, l.minute                      // whole-image clock targets; -1 = not a clock
//
// Heads (class 0 is always "none" for the per-patch ones):
//   color   every family, from the pixels: the object colour (6) or black ink covering the most
//           of the patch, when it covers at least kMinCoverage of it
//   shape   shapes, perception: the shape of the object whose box holds the patch centre
//           (nearest centre wins), 1 + index in kShapeNames
//   number  digit_table (the cell's value), bar_chart (the bar's value, over its column and its
//           printed label), geometry (a side's printed length, at the label): 1 + value, 0..40
//   hour / minute   clock: hour 1-12 → 0-11, minute / 5 → 0-11
// Torch-free, stateless, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "io/image.h"
#include "world/task.h"

namespace insightv::world {

constexpr int kColorClasses = 8;    // none, red, green, blue, yellow, purple, cyan, ink
constexpr int kShapeClasses = 7;    // none + kShapeNames
constexpr int kNumberClasses = 42;  // none + 0..40
constexpr int kClockClasses = 12;
constexpr double kMinCoverage = 0.06;  // share of a patch's pixels a colour must cover

const std::vector<std::string>& patch_shape_names();  // circle square triangle star pentagon hexagon

struct PatchLabels {
  int grid = 0;                          // patches per side
  std::vector<int> color, shape, number; // grid * grid, row-major
  int hour = -1, minute = -1;
};

// Throws Error when the image size is not a multiple of `patch` or differs from the task's.
PatchLabels patch_labels(const Task& task, const Image& image, int patch);

}  // namespace insightv::world
