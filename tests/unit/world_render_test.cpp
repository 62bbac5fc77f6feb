// VisWorld rendering: every object a question can name shows its palette colour at its
// scene-graph location in the decoded PNG, at 128 px and at 336 px; same seed, same bytes.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "io/image.h"
#include "world/canvas.h"
#include "world/generate.h"

using insightv::Image;
using insightv::json;
using insightv::world::Task;

namespace {

struct Probe {
  double x, y;
  std::string color;
  std::string what;
};

// The points a question may refer to, with the colour each must show.
std::vector<Probe> probes(const Task& t) {
  std::vector<Probe> out;
  const json& s = t.scene;
  if (t.family == "shapes" || t.family == "perception")
    for (const auto& o : s["objects"])
      out.push_back({o["cx"], o["cy"], o["color"], "object " + o["id"].dump()});
  if (t.family == "bar_chart")
    for (const auto& b : s["bars"]) {
      // Short bars: sample just above the axis line instead of the middle.
      const double y = std::max(b["cy"].get<double>(), b["y1"].get<double>() - 0.5 * (b["y1"].get<double>() - b["y0"].get<double>()));
      if (b["y1"].get<double>() - b["y0"].get<double>() >= 4)
        out.push_back({b["cx"], y, b["color"], "bar " + b["label"].get<std::string>()});
    }
  if (t.family == "maze") {
    out.push_back({s["start"]["cx"], s["start"]["cy"], s["start"]["color"], "start"});
    out.push_back({s["goal"]["cx"], s["goal"]["cy"], s["goal"]["color"], "goal"});
  }
  if (t.family == "geometry") out.push_back({s["probe"][0], s["probe"][1], s["fill"], "figure"});
  if (t.family == "clock") {
    // The minute hand at 70% of its length, unless the hour hand lies over it.
    const double ha = s["hour_hand"]["angle"], ma = s["minute_hand"]["angle"];
    double gap = std::fabs(std::fmod(ha - ma + 540.0, 360.0) - 180.0);
    gap = 180.0 - gap;
    if (gap > 25) {
      const double a = ma * M_PI / 180.0, len = 0.7 * s["minute_hand"]["length"].get<double>();
      out.push_back({s["cx"].get<double>() + std::sin(a) * len, s["cy"].get<double>() - std::cos(a) * len,
                     s["minute_hand"]["color"], "minute hand"});
    }
  }
  return out;
}

void expect_visible(const Task& t, const Image& img) {
  for (const Probe& p : probes(t)) {
    const int x = static_cast<int>(std::lround(p.x)), y = static_cast<int>(std::lround(p.y));
    ASSERT_TRUE(x >= 0 && y >= 0 && x < img.width && y < img.height) << t.id << " " << p.what;
    // The closest palette match within one pixel of the point (thin hands are antialiased).
    const uint8_t* px = img.at(x, y);
    std::pair<std::string, int> best{"", 1 << 30};
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int xx = std::clamp(x + dx, 0, img.width - 1), yy = std::clamp(y + dy, 0, img.height - 1);
        const uint8_t* q = img.at(xx, yy);
        const auto m = insightv::world::nearest_object_color({q[0], q[1], q[2]});
        if (m.first == p.color && m.second < best.second) best = m;
        if (best.first.empty() || (best.first != p.color && m.second < best.second)) best = m;
      }
    const auto [name, dist2] = best;
    EXPECT_EQ(name, p.color) << t.id << " " << p.what << " at (" << x << "," << y << ") shows rgb("
                             << int(px[0]) << "," << int(px[1]) << "," << int(px[2]) << ")";
    EXPECT_LT(dist2, 40 * 40) << t.id << " " << p.what << " is not a clean palette colour";
  }
}

// Points where text must be drawn (dark glyph pixels near the point): table cells, side labels.
std::vector<std::pair<double, double>> text_points(const Task& t) {
  std::vector<std::pair<double, double>> out;
  const json& s = t.scene;
  if (t.family == "digit_table")
    for (int r = 0; r < s["rows"].get<int>(); ++r)
      for (int c = 0; c < s["cols"].get<int>(); ++c)
        out.push_back({s["x0"].get<double>() + (c + 0.5) * s["cell_w"].get<double>(),
                       s["y0"].get<double>() + (r + 0.5) * s["cell_h"].get<double>()});
  if (t.family == "geometry")
    for (const auto& l : s["labels"]) out.push_back({l["x"], l["y"]});
  return out;
}

void expect_text(const Task& t, const Image& img) {
  const int half = std::max(3, img.width / 32);
  for (const auto& [fx, fy] : text_points(t)) {
    int dark = 0;
    for (int y = static_cast<int>(fy) - half; y <= static_cast<int>(fy) + half; ++y)
      for (int x = static_cast<int>(fx) - half; x <= static_cast<int>(fx) + half; ++x) {
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
        const uint8_t* p = img.at(x, y);
        dark += std::max({p[0], p[1], p[2]}) < 110;
      }
    EXPECT_GE(dark, 3) << t.id << ": no glyph near (" << fx << "," << fy << ")";
  }
}

class WorldRender : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(WorldRender, NamedObjectsShowTheirColourInTheDecodedPng) {
  for (int size : {128, 336}) {
    insightv::world::TaskSpec spec;
    spec.family = &insightv::world::find_family(GetParam());
    spec.world_seed = 21;
    spec.size = size;
    const int n = size == 128 ? 150 : 30;
    size_t probed = 0;
    for (int i = 0; i < n; ++i) {
      spec.index = i;
      Image img;
      const Task t = insightv::world::generate_task(spec, &img);
      ASSERT_EQ(img.width, size);
      const Image decoded = insightv::decode_image(insightv::encode_png(img), t.id);
      expect_visible(t, decoded);
      expect_text(t, decoded);
      probed += probes(t).size();
    }
    if (GetParam() != "digit_table") EXPECT_GT(probed, static_cast<size_t>(n) / 2) << "size " << size;
  }
}

TEST_P(WorldRender, SameSeedGivesIdenticalBytesAndOtherSeedsDiffer) {
  insightv::world::TaskSpec spec;
  spec.family = &insightv::world::find_family(GetParam());
  spec.world_seed = 5;
  spec.index = 17;
  Image a, b, c;
  const Task ta = insightv::world::generate_task(spec, &a);
  const Task tb = insightv::world::generate_task(spec, &b);
  EXPECT_EQ(insightv::encode_png(a), insightv::encode_png(b));
  EXPECT_EQ(insightv::world::task_to_json(ta).dump(), insightv::world::task_to_json(tb).dump());
  spec.world_seed = 6;
  insightv::world::generate_task(spec, &c);
  EXPECT_NE(a.rgb, c.rgb);
}

TEST_P(WorldRender, RendersAtAnySizeWithTheSameQuestion) {
  insightv::world::TaskSpec spec;
  spec.family = &insightv::world::find_family(GetParam());
  spec.index = 3;
  std::string question;
  for (int size : {64, 128, 336, 672}) {
    spec.size = size;
    Image img;
    const Task t = insightv::world::generate_task(spec, &img);
    EXPECT_EQ(img.width, size);
    EXPECT_EQ(t.size, size);
    if (question.empty()) question = t.question;
    EXPECT_EQ(t.question, question) << "size " << size;
  }
}

INSTANTIATE_TEST_SUITE_P(Families, WorldRender,
                         ::testing::Values("shapes", "bar_chart", "clock", "maze", "digit_table",
                                           "geometry", "perception"));
