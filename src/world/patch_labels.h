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
//   kin     shapes, perception: per patch, how many objects of the scene share the colour, the shape
//           and the size of the object whose box holds the patch centre (the shape head's object):
//           kin_color, kin_shape, kin_size, each 1 + ... clamped to kCountClasses - 1, 0 = no object.
//           A count the decoder can select by attention: the patches of the red objects carry how
//           many red objects there are (docs/vision.md, eighth session).
//   slots   the scene's single-hop facts as whole-image targets (scene_slot_family tells whose),
//           kSceneSlots of them, each a class in [0, kSlotClasses), -1 where the image's family
//           has no such slot: shapes the count of each colour, shape and size; perception the
//           shape and the region of the object of each colour and the colour of each shape (0 =
//           no such object); bar_chart each label's value + 1 (0 = no such bar); digit_table each
//           cell's value + 1 (0 = no such cell); geometry each named side's length + 1; maze each
//           row's black cells + 1 (0 = no such row) and the green and red cells' row and column + 1.
//           What the clock's hour and minute heads taught (a whole-image target makes the fact
//           readable from every image token), for the facts the other families' answers state.
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
constexpr int kSceneSlots = 81;
constexpr int kSlotClasses = 42;
constexpr int kCountClasses = 12;   // none + 1..11 (a count of 11 or more is 11)

const std::vector<std::string>& patch_shape_names();  // circle square triangle star pentagon hexagon

struct PatchLabels {
  int grid = 0;                          // patches per side
  std::vector<int> color, shape, number; // grid * grid, row-major
  std::vector<int> kin_color, kin_shape, kin_size;  // grid * grid: objects sharing the patch object's attribute
  int hour = -1, minute = -1;
  std::vector<int> slots;                // kSceneSlots, -1 = not this family's
};

// The family whose facts slot `slot` holds ("shapes", ..., "maze").
const std::string& scene_slot_family(int slot);

// Throws Error when the image size is not a multiple of `patch` or differs from the task's.
PatchLabels patch_labels(const Task& task, const Image& image, int patch);

}  // namespace insightv::world
