// world/patch_labels.cpp — per-patch targets from the scene graph and the pixels.
#include "world/patch_labels.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "util/error.h"
#include "world/answer.h"
#include "world/canvas.h"
#include "world/family.h"

namespace insightv::world {

namespace {

// 1..6 for the object colours, 7 for black ink, 0 otherwise.
int pixel_class(const uint8_t* p) {
  if (p[0] < 80 && p[1] < 80 && p[2] < 80) return 7;
  static const std::vector<Rgb> colors = [] {
    std::vector<Rgb> v;
    for (const auto& name : object_colors()) v.push_back(palette(name));
    return v;
  }();
  for (size_t i = 0; i < colors.size(); ++i) {
    const int dr = p[0] - colors[i].r, dg = p[1] - colors[i].g, db = p[2] - colors[i].b;
    if (dr * dr + dg * dg + db * db < 50 * 50) return static_cast<int>(i) + 1;
  }
  return 0;
}

int shape_class(const std::string& shape) {
  const auto& names = patch_shape_names();
  const auto it = std::find(names.begin(), names.end(), shape);
  return it == names.end() ? 0 : static_cast<int>(it - names.begin()) + 1;
}

int number_class(long v) { return v >= 0 && v <= kNumberClasses - 2 ? static_cast<int>(v) + 1 : 0; }

// The scene slots' layout: each family's first slot and count, in slot order.
struct SlotRange {
  std::string family;
  int first, count;
};
const std::vector<SlotRange>& slot_ranges() {
  static const std::vector<SlotRange> r = {{"shapes", 0, 14},       {"perception", 14, 18}, {"bar_chart", 32, 16},
                                           {"digit_table", 48, 12}, {"geometry", 60, 10},   {"maze", 70, 11}};
  return r;
}
const SlotRange* slot_range(const std::string& family) {
  for (const auto& r : slot_ranges())
    if (r.family == family) return &r;
  return nullptr;
}
// A printed side length ("7"), not the unknown side ("x").
bool is_number_text(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}
int clamp_class(long v) { return static_cast<int>(std::clamp<long>(v, 0, kSlotClasses - 1)); }
int index_in(const std::vector<std::string>& names, const std::string& name) {
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

std::vector<int> scene_slots(const Task& task) {
  std::vector<int> slots(kSceneSlots, -1);
  const SlotRange* range = slot_range(task.family);
  if (range == nullptr) return slots;
  auto at = [&](int i) -> int& { return slots[static_cast<size_t>(range->first + i)]; };
  for (int i = 0; i < range->count; ++i) at(i) = 0;  // none, or a count of 0
  const json& s = task.scene;
  const auto& colors = object_colors();
  const auto& shapes = patch_shape_names();
  if (task.family == "shapes") {  // counts: 6 colours, 6 shapes, small and large
    for (const auto& o : s.at("objects")) {
      const int c = index_in(colors, o.at("color")), sh = index_in(shapes, o.at("shape"));
      const int size = o.at("size") == "small" ? 12 : 13;
      if (c >= 0) at(c) = clamp_class(at(c) + 1);
      if (sh >= 0) at(6 + sh) = clamp_class(at(6 + sh) + 1);
      at(size) = clamp_class(at(size) + 1);
    }
  } else if (task.family == "perception") {  // per colour: shape, region; per shape: colour
    std::vector<int> per_shape(6, 0);
    for (const auto& o : s.at("objects")) {
      const int c = index_in(colors, o.at("color")), sh = index_in(shapes, o.at("shape"));
      const int region = index_in(region_names(), o.at("region"));
      if (c < 0 || sh < 0) continue;
      at(c) = sh + 1;
      if (region >= 0) at(6 + c) = region + 1;
      at(12 + sh) = ++per_shape[static_cast<size_t>(sh)] == 1 ? c + 1 : -1;  // two of a shape: no single colour
    }
  } else if (task.family == "bar_chart") {
    for (const auto& b : s.at("bars")) {
      const int label = index_in(bar_label_pool(), b.at("label"));
      if (label >= 0) at(label) = clamp_class(b.at("value").get<long>() + 1);
    }
  } else if (task.family == "digit_table") {  // up to 3 rows of 4
    const json& rows = s.at("values");
    for (size_t r = 0; r < rows.size() && r < 3; ++r)
      for (size_t c = 0; c < rows[r].size() && c < 4; ++c)
        at(static_cast<int>(r * 4 + c)) = clamp_class(rows[r][c].get<long>() + 1);
  } else if (task.family == "geometry") {
    static const std::vector<std::string> sides = {"w", "h", "a", "b", "W", "H", "T", "R", "nw", "nh"};
    for (const auto& l : s.at("labels")) {
      const int i = index_in(sides, l.at("name"));
      const std::string text = l.at("text");
      if (i >= 0) at(i) = is_number_text(text) ? clamp_class(std::stol(text) + 1) : -1;  // "x": the unknown side
    }
  } else if (task.family == "maze") {  // black cells per row (up to 7 rows), green and red cells
    const int rows = s.at("rows");
    for (int r = 0; r < 7; ++r) at(r) = r < rows ? 1 : 0;
    for (const auto& w : s.at("walls")) {
      const int r = w.at(0);
      if (r >= 0 && r < std::min(rows, 7)) at(r) = clamp_class(at(r) + 1);
    }
    at(7) = clamp_class(s.at("start").at("row").get<long>() + 1);
    at(8) = clamp_class(s.at("start").at("col").get<long>() + 1);
    at(9) = clamp_class(s.at("goal").at("row").get<long>() + 1);
    at(10) = clamp_class(s.at("goal").at("col").get<long>() + 1);
  }
  return slots;
}

}  // namespace

const std::string& scene_slot_family(int slot) {
  static const std::string none;
  for (const auto& r : slot_ranges())
    if (slot >= r.first && slot < r.first + r.count) return r.family;
  return none;
}

const std::vector<std::string>& patch_shape_names() {
  static const std::vector<std::string> names = {"circle", "square", "triangle", "star", "pentagon", "hexagon"};
  return names;
}

PatchLabels patch_labels(const Task& task, const Image& image, int patch) {
  check(patch > 0 && image.width == image.height && image.width % patch == 0, "world",
        "patch labels need a square image whose side is a multiple of the patch size (" +
            std::to_string(image.width) + "x" + std::to_string(image.height) + ", patch " + std::to_string(patch) + ")");
  check(task.size == 0 || task.size == image.width, "world",
        "task " + task.id + " was rendered at " + std::to_string(task.size) + " px but the image is " +
            std::to_string(image.width) + " px");
  PatchLabels l;
  l.slots = scene_slots(task);
  const int G = image.width / patch;
  l.grid = G;
  const size_t n = static_cast<size_t>(G) * G;
  l.color.assign(n, 0);
  l.shape.assign(n, 0);
  l.number.assign(n, 0);
  l.kin_color.assign(n, 0);
  l.kin_shape.assign(n, 0);
  l.kin_size.assign(n, 0);
  const int min_pixels = static_cast<int>(std::ceil(kMinCoverage * patch * patch));
  for (int gy = 0; gy < G; ++gy)
    for (int gx = 0; gx < G; ++gx) {
      std::array<int, kColorClasses> count{};
      for (int y = gy * patch; y < (gy + 1) * patch; ++y)
        for (int x = gx * patch; x < (gx + 1) * patch; ++x) ++count[static_cast<size_t>(pixel_class(image.at(x, y)))];
      int best = 0, best_count = min_pixels - 1;  // the background never competes
      for (int c = 1; c < kColorClasses; ++c)
        if (count[static_cast<size_t>(c)] > best_count) {
          best = c;
          best_count = count[static_cast<size_t>(c)];
        }
      l.color[static_cast<size_t>(gy * G + gx)] = best;
    }
  auto centre = [&](size_t p) {
    return std::pair<double, double>{(static_cast<double>(p % G) + 0.5) * patch, (static_cast<double>(p / G) + 0.5) * patch};
  };
  auto patch_at = [&](double x, double y) -> long {
    const long gx = static_cast<long>(std::floor(x / patch)), gy = static_cast<long>(std::floor(y / patch));
    return gx >= 0 && gy >= 0 && gx < G && gy < G ? gy * G + gx : -1;
  };
  const json& s = task.scene;
  if (task.family == "shapes" || task.family == "perception") {
    const json& objects = s.at("objects");
    // How many objects share object i's value of `key`, as a class (1 + count - 1 = count, clamped).
    auto kin = [&](const json& obj, const char* key) {
      long same = 0;
      for (const auto& o : objects) same += o.at(key) == obj.at(key);
      return static_cast<int>(std::clamp<long>(same, 1, kCountClasses - 1));
    };
    for (size_t p = 0; p < n; ++p) {
      const auto [x, y] = centre(p);
      double best = 1e300;
      const json* under = nullptr;
      for (const auto& o : objects) {
        const auto& b = o.at("bbox");
        if (x < b[0].get<double>() || x > b[2].get<double>() || y < b[1].get<double>() || y > b[3].get<double>()) continue;
        const double d = std::hypot(x - o.at("cx").get<double>(), y - o.at("cy").get<double>());
        if (d < best) {
          best = d;
          under = &o;
        }
      }
      if (under == nullptr) continue;
      l.shape[p] = shape_class(under->at("shape"));
      l.kin_color[p] = kin(*under, "color");
      l.kin_shape[p] = kin(*under, "shape");
      l.kin_size[p] = kin(*under, "size");
    }
  } else if (task.family == "digit_table") {
    const double x0 = s.at("x0"), y0 = s.at("y0"), cw = s.at("cell_w"), ch = s.at("cell_h");
    const auto& values = s.at("values");
    for (size_t p = 0; p < n; ++p) {
      const auto [x, y] = centre(p);
      const long c = static_cast<long>(std::floor((x - x0) / cw)), r = static_cast<long>(std::floor((y - y0) / ch));
      if (r >= 0 && c >= 0 && r < static_cast<long>(values.size()) && c < static_cast<long>(values[static_cast<size_t>(r)].size()))
        l.number[p] = number_class(values[static_cast<size_t>(r)][static_cast<size_t>(c)].get<long>());
    }
  } else if (task.family == "bar_chart") {
    const double label_h = std::max(7.0, image.width * 0.085) * 1.5;  // the value printed above a bar
    for (size_t p = 0; p < n; ++p) {
      const auto [x, y] = centre(p);
      for (const auto& b : s.at("bars"))
        if (x >= b.at("x0").get<double>() && x <= b.at("x1").get<double>() &&
            y >= b.at("y0").get<double>() - label_h && y <= b.at("y1").get<double>())
          l.number[p] = number_class(b.at("value").get<long>());
    }
  } else if (task.family == "geometry") {
    for (const auto& lab : s.at("labels")) {
      const std::string text = lab.at("text");
      if (!is_number_text(text)) continue;
      const long p = patch_at(lab.at("x").get<double>(), lab.at("y").get<double>());
      if (p >= 0) l.number[static_cast<size_t>(p)] = number_class(std::stol(text));
    }
  } else if (task.family == "clock") {
    l.hour = s.at("hour").get<int>() % 12;
    l.minute = s.at("minute").get<int>() / 5;
  }
  return l;
}

}  // namespace insightv::world
