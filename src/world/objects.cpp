// world/objects.cpp — placing, drawing and describing coloured shapes.
#include "world/objects.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"
#include "world/answer.h"

namespace insightv::world {

const std::vector<std::string>& shape_names() {
  static const std::vector<std::string> names = {"circle", "square", "triangle"};
  return names;
}

std::string shape_plural(const std::string& shape) { return shape + "s"; }

std::vector<Obj> place_objects(Rng& rng, int n, int size, int grid) {
  check(n >= 0 && n <= grid * grid, "world",
        "cannot place " + std::to_string(n) + " objects in a " + std::to_string(grid) + "x" +
            std::to_string(grid) + " grid");
  std::vector<int> cells(static_cast<size_t>(grid * grid));
  for (size_t i = 0; i < cells.size(); ++i) cells[i] = static_cast<int>(i);
  rng.shuffle(cells);
  const double cell = static_cast<double>(size) / grid;
  std::vector<Obj> out;
  for (int i = 0; i < n; ++i) {
    Obj o;
    o.id = i;
    o.shape = rng.choice(shape_names());
    o.color = rng.choice(object_colors());
    o.size = rng.bernoulli(0.5) ? "large" : "small";
    o.r = cell * (o.size == "large" ? 0.38 : 0.25);
    const double slack = std::max(0.0, cell / 2 - o.r - 1.0);
    const int c = cells[static_cast<size_t>(i)];
    o.cx = round1((c % grid + 0.5) * cell + rng.uniform(-slack, slack));
    o.cy = round1((c / grid + 0.5) * cell + rng.uniform(-slack, slack));
    o.region = region_name(o.cx, o.cy, size);
    out.push_back(o);
  }
  return out;
}

void draw_object(Canvas& c, const Obj& o) {
  const Rgb fill = palette(o.color), edge = palette("dark");
  const double line = std::max(1.0, o.r * 0.12);
  if (o.shape == "circle") {
    c.fill_circle(o.cx, o.cy, o.r, fill);
    c.stroke_circle(o.cx, o.cy, o.r, line, edge);
  } else if (o.shape == "square") {
    const double h = o.r * 0.8;
    c.fill_rect(o.cx - h, o.cy - h, 2 * h, 2 * h, fill);
    c.stroke_rect(o.cx - h, o.cy - h, 2 * h, 2 * h, line, edge);
  } else {
    // Equilateral, pointing up, centroid at (cx, cy); drawn slightly larger than the
    // circumradius so that its area matches the other shapes.
    const double r = o.r * 1.15;
    const Canvas::Points pts = {{o.cx, o.cy - r},
                                {o.cx - r * 0.866, o.cy + r * 0.5},
                                {o.cx + r * 0.866, o.cy + r * 0.5}};
    c.fill_polygon(pts, fill);
    c.stroke_polygon(pts, line, edge);
  }
}

json object_to_json(const Obj& o, int size) {
  const double r = o.shape == "triangle" ? o.r * 1.15 : o.r;
  return {{"id", o.id},
          {"shape", o.shape},
          {"color", o.color},
          {"size", o.size},
          {"cx", o.cx},
          {"cy", o.cy},
          {"r", round1(o.r)},
          {"region", o.region},
          {"bbox", {round1(std::max(0.0, o.cx - r)), round1(std::max(0.0, o.cy - r)),
                    round1(std::min<double>(size, o.cx + r)),
                    round1(std::min<double>(size, o.cy + r))}}};
}

std::string describe_object(const Obj& o) {
  return "a " + o.size + " " + o.color + " " + o.shape + " at " + o.region;
}

}  // namespace insightv::world
