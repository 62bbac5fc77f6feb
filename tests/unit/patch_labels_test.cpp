// The vision stage's targets (world/patch_labels.h): over hundreds of generated tasks, the patch
// under each object's centre carries that object's colour and shape, a digit table's cells their
// values, a bar its value, a clock its time; empty background is "none"; the vision split's seeds
// are disjoint from the written splits; the scene slots say what the scene's facts say.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "io/image.h"
#include "util/error.h"
#include "world/answer.h"
#include "world/canvas.h"
#include "world/family.h"
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

// The kin counts: the patch under each object's centre says how many objects of the scene share that
// object's colour, shape and size (counted here from the scene graph); a patch with no object under
// it, and every patch of another family, says none (0).
TEST(PatchLabels, ObjectPatchesCountTheObjectsLikeThem) {
  int checked = 0, right = 0, repeated = 0;
  for (const char* fam : {"perception", "shapes"})
    for (int64_t i = 0; i < 100; ++i) {
      Image img;
      const Task t = make(fam, i, &img);
      const PatchLabels l = patch_labels(t, img, 16);
      ASSERT_EQ(l.kin_color.size(), 64u);
      const auto& objects = t.scene["objects"];
      for (const auto& o : objects) {
        const size_t p = patch_of(o["cx"].get<double>(), o["cy"].get<double>(), 16, 8);
        auto like = [&](const char* key) {
          return static_cast<int>(std::count_if(objects.begin(), objects.end(), [&](const json& x) { return x[key] == o[key]; }));
        };
        ++checked;
        right += l.kin_color[p] == like("color") && l.kin_shape[p] == like("shape") && l.kin_size[p] == like("size");
        repeated += like("color") > 1;
      }
      for (size_t p = 0; p < l.shape.size(); ++p)
        if (l.shape[p] == 0) EXPECT_EQ(l.kin_color[p] + l.kin_shape[p] + l.kin_size[p], 0) << fam << " " << i << " patch " << p;
    }
  ASSERT_GT(checked, 400);
  EXPECT_GT(repeated, 50);  // shapes scenes repeat colours: the counts are not all 1
  EXPECT_GE(right, checked * 95 / 100);  // a centre's patch may hold a nearer neighbour's centre
  Image img;
  const Task clock = make("clock", 2, &img);
  const PatchLabels lc = patch_labels(clock, img, 16);
  EXPECT_TRUE(std::all_of(lc.kin_size.begin(), lc.kin_size.end(), [](int k) { return k == 0; }));
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

// Every slot a scene fills restates one of its facts (world::Family::scene_facts, the sentences the
// grounding stage trains on), so the whole-image head learns what the answers will state.
TEST(PatchLabels, SceneSlotsRestateTheSceneFacts) {
  const auto& colors = object_colors();
  const auto& shapes = patch_shape_names();
  auto count = [](int n, const std::string& noun) {
    return n == 1 ? "There is 1 " + noun + "." : "There are " + std::to_string(n) + " " + noun + "s.";
  };
  std::map<std::string, int> stated;
  for (const char* fam : {"shapes", "perception", "bar_chart", "digit_table", "geometry", "maze", "clock"})
    for (int64_t i = 0; i < 120; ++i) {
      Image img;
      const Task t = make(fam, i, &img);
      const PatchLabels l = patch_labels(t, img, 32);
      ASSERT_EQ(l.slots.size(), static_cast<size_t>(kSceneSlots));
      const auto facts_list = find_family(fam).scene_facts(t);
      const std::set<std::string> facts(facts_list.begin(), facts_list.end());
      auto expect_fact = [&](const std::string& f) {
        EXPECT_EQ(facts.count(f), 1u) << t.id << ": slot says \"" << f << "\"";
        ++stated[fam];
      };
      for (int s = 0; s < kSceneSlots; ++s) {
        const int v = l.slots[static_cast<size_t>(s)];
        if (scene_slot_family(s) != t.family) {
          EXPECT_EQ(v, -1) << t.id << " slot " << s;
          continue;
        }
        ASSERT_GE(v, -1);
        ASSERT_LT(v, kSlotClasses);
      }
      const int* at = nullptr;
      for (int s = 0; s < kSceneSlots; ++s)
        if (scene_slot_family(s) == t.family) {
          at = &l.slots[static_cast<size_t>(s)];
          break;
        }
      if (t.family == "clock") {
        EXPECT_EQ(at, nullptr);  // the clock has its own hour and minute heads
        continue;
      }
      ASSERT_NE(at, nullptr);
      const std::string f = t.family;
      if (f == "shapes") {
        for (int c = 0; c < 6; ++c)
          if (at[c] > 0) expect_fact(count(at[c], colors[static_cast<size_t>(c)] + " shape"));
        for (int sh = 0; sh < 6; ++sh)
          if (at[6 + sh] > 0) expect_fact(count(at[6 + sh], shapes[static_cast<size_t>(sh)]));
        if (at[12] > 0) expect_fact(count(at[12], "small shape"));
        if (at[13] > 0) expect_fact(count(at[13], "large shape"));
      } else if (f == "perception") {
        for (int c = 0; c < 6; ++c) {
          if (at[c] <= 0) continue;
          const std::string color = colors[static_cast<size_t>(c)], shape = shapes[static_cast<size_t>(at[c] - 1)];
          const bool alone = t.scene["objects"].size() == 1;
          expect_fact(alone ? "The object is a " + shape + "." : "The " + color + " object is a " + shape + ".");
          ASSERT_GT(at[6 + c], 0);
          const std::string region = region_names()[static_cast<size_t>(at[6 + c] - 1)];
          expect_fact(alone ? "The object is at " + region + "." : "The " + color + " " + shape + " is at " + region + ".");
        }
        for (int sh = 0; sh < 6; ++sh)
          if (at[12 + sh] > 0 && t.scene["objects"].size() > 1)
            expect_fact("The " + shapes[static_cast<size_t>(sh)] + " is " + colors[static_cast<size_t>(at[12 + sh] - 1)] + ".");
      } else if (f == "bar_chart") {
        for (int b = 0; b < 16; ++b)
          if (at[b] > 0) expect_fact("Bar " + bar_label_pool()[static_cast<size_t>(b)] + " is " + std::to_string(at[b] - 1) + ".");
      } else if (f == "digit_table") {
        for (int r = 0; r < 3; ++r)
          for (int c = 0; c < 4; ++c)
            if (at[r * 4 + c] > 0)
              expect_fact("Row " + std::to_string(r + 1) + ", column " + std::to_string(c + 1) + " is " +
                          std::to_string(at[r * 4 + c] - 1) + ".");
      } else if (f == "geometry") {
        static const char* names[] = {"width", "height", "vertical leg", "horizontal leg", "bottom side",
                                      "left side", "top side", "right side", "notch width", "notch height"};
        const std::string unit = t.scene.value("unit", "");
        for (int s = 0; s < 10; ++s)
          if (at[s] > 0)
            expect_fact(std::string("The ") + names[s] + " is " + std::to_string(at[s] - 1) + (unit.empty() ? "" : " " + unit) + ".");
      } else if (f == "maze") {
        for (int r = 0; r < 7; ++r)
          if (at[r] > 0) {
            const int n = at[r] - 1;
            expect_fact("Row " + std::to_string(r + 1) + " has " + std::to_string(n) + (n == 1 ? " black cell." : " black cells."));
          }
        expect_fact("The green cell is at row " + std::to_string(at[7]) + ", column " + std::to_string(at[8]) + ".");
        expect_fact("The red cell is at row " + std::to_string(at[9]) + ", column " + std::to_string(at[10]) + ".");
      }
    }
  for (const char* fam : {"shapes", "perception", "bar_chart", "digit_table", "geometry", "maze"})
    EXPECT_GT(stated[fam], 200) << fam;
}
