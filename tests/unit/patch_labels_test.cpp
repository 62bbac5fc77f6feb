// The vision stage's targets (world/patch_labels.h): over hundreds of generated tasks, the patch
// under each object's centre carries that object's colour and shape, a digit table's cells their
// values, a bar its value, a clock its time; empty background is "none"; the vision split's seeds
// are disjoint from the written splits.
#include <gtest/gtest.h>

#include <algorithm>

#include "io/image.h"
#include "util/error.h"
#include "world/canvas.h"
#include "world/generate.h"
#include "world/patch_labels.h"

using namespace insightv;
using namespace insightv::world;

namespace {

Task make(const std::string& family, int64_t index, Image* img, int size = 128) {
  TaskSpec s;
  s.family = &find_family(family);
  s.split = "vision";
  s.index = index;
  s.size = size;
  return generate_task(s, img);
}

int color_class(const std::string& name) {
  const auto& c = object_colors();
  return static_cast<int>(std::find(c.begin(), c.end(), name) - c.begin()) + 1;
}

size_t patch_of(double x, double y, int patch, int grid) {
  return static_cast<size_t>(static_cast<int>(y) / patch * grid + static_cast<int>(x) / patch);
}

}  // namespace

TEST(PatchLabels, ObjectCentresCarryTheirColourAndShape) {
  int checked = 0, colour_right = 0, shape_right = 0;
  for (const char* fam : {"perception", "shapes"})
    for (int64_t i = 0; i < 150; ++i) {
      Image img;
      const Task t = make(fam, i, &img);
      const PatchLabels l = patch_labels(t, img, 16);
      ASSERT_EQ(l.grid, 8);
      ASSERT_EQ(l.color.size(), 64u);
      for (const auto& o : t.scene["objects"]) {
        const size_t p = patch_of(o["cx"].get<double>(), o["cy"].get<double>(), 16, 8);
        ++checked;
        colour_right += l.color[p] == color_class(o["color"]);
        const auto& names = patch_shape_names();
        shape_right += l.shape[p] == static_cast<int>(std::find(names.begin(), names.end(), o["shape"].get<std::string>()) - names.begin()) + 1;
      }
    }
  ASSERT_GT(checked, 500);
  // A small object near a patch corner may cover too little of the centre's patch.
  EXPECT_GE(colour_right, checked * 9 / 10);
  EXPECT_GE(shape_right, checked * 95 / 100);
}

TEST(PatchLabels, EmptyCornersAreNoneAndOtherFamiliesHaveNoShapes) {
  Image img;
  const Task t = make("perception", 3, &img);
  const PatchLabels l = patch_labels(t, img, 16);
  int none = 0;
  for (int c : l.color) none += c == 0;
  EXPECT_GT(none, 20);  // at most five objects on a 128 px canvas
  Image img2;
  const Task clock = make("clock", 5, &img2);
  const PatchLabels lc = patch_labels(clock, img2, 16);
  EXPECT_TRUE(std::all_of(lc.shape.begin(), lc.shape.end(), [](int s) { return s == 0; }));
  EXPECT_EQ(lc.hour, clock.scene["hour"].get<int>() % 12);
  EXPECT_EQ(lc.minute, clock.scene["minute"].get<int>() / 5);
  EXPECT_EQ(l.hour, -1);
}

TEST(PatchLabels, TableCellsAndBarsCarryTheirValues) {
  for (int64_t i = 0; i < 40; ++i) {
    Image img;
    const Task t = make("digit_table", i, &img);
    const PatchLabels l = patch_labels(t, img, 16);
    const json& s = t.scene;
    const double x0 = s["x0"], y0 = s["y0"], cw = s["cell_w"], ch = s["cell_h"];
    for (size_t r = 0; r < s["values"].size(); ++r)
      for (size_t c = 0; c < s["values"][r].size(); ++c) {
        const double cx = x0 + (static_cast<double>(c) + 0.5) * cw, cy = y0 + (static_cast<double>(r) + 0.5) * ch;
        const size_t p = patch_of(cx, cy, 16, 8);
        // The patch centre may fall in a neighbouring cell; then it carries that cell's value.
        const double pcx = (p % 8 + 0.5) * 16, pcy = (p / 8 + 0.5) * 16;
        if (std::abs(pcx - cx) < cw / 2 && std::abs(pcy - cy) < ch / 2)
          EXPECT_EQ(l.number[p], s["values"][r][c].get<int>() + 1) << t.id;
      }
  }
  int bars = 0;
  for (int64_t i = 0; i < 40; ++i) {
    Image img;
    const Task t = make("bar_chart", i, &img);
    const PatchLabels l = patch_labels(t, img, 16);
    for (const auto& b : t.scene["bars"]) {
      const double cx = b["cx"], y1 = b["y1"];
      const size_t p = patch_of(cx, y1 - 1, 16, 8);
      const double pcx = (p % 8 + 0.5) * 16, pcy = (p / 8 + 0.5) * 16;
      if (pcx >= b["x0"].get<double>() && pcx <= b["x1"].get<double>() && pcy <= y1 && pcy >= b["y0"].get<double>() - 15) {
        EXPECT_EQ(l.number[p], b["value"].get<int>() + 1) << t.id;
        ++bars;
      }
    }
  }
  EXPECT_GT(bars, 20);
}

TEST(PatchLabels, RefusesImagesThatDoNotMatchThePatchGrid) {
  Image img;
  const Task t = make("perception", 1, &img);
  EXPECT_THROW(patch_labels(t, img, 15), Error);
  Image small(64, 64, 255);
  EXPECT_THROW(patch_labels(t, small, 16), Error);
}

TEST(PatchLabels, TheVisionSplitIsDisjointFromTheWrittenSplits) {
  EXPECT_EQ(split_base("vision"), 3 * static_cast<uint64_t>(kSplitStride));
  for (const char* s : {"train", "val", "test"}) EXPECT_NE(split_base(s), split_base("vision"));
}
