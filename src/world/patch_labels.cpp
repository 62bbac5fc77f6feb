// world/patch_labels.cpp — per-patch targets from the scene graph and the pixels.
#include "world/patch_labels.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "util/error.h"
#include "world/canvas.h"

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

}  // namespace

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
  const int G = image.width / patch;
  l.grid = G;
  const size_t n = static_cast<size_t>(G) * G;
  l.color.assign(n, 0);
  l.shape.assign(n, 0);
  l.number.assign(n, 0);
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
    for (size_t p = 0; p < n; ++p) {
      const auto [x, y] = centre(p);
      double best = 1e300;
      for (const auto& o : s.at("objects")) {
        const auto& b = o.at("bbox");
        if (x < b[0].get<double>() || x > b[2].get<double>() || y < b[1].get<double>() || y > b[3].get<double>()) continue;
        const double d = std::hypot(x - o.at("cx").get<double>(), y - o.at("cy").get<double>());
        if (d < best) {
          best = d;
          l.shape[p] = shape_class(o.at("shape"));
        }
      }
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
      if (text.empty() || !std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) continue;
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
