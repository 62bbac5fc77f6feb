// world/geometry.cpp — the "geometry" family: rectangles, right triangles and L-shapes with
// labelled side lengths; area, perimeter, a missing side, a hypotenuse.
//
// Scene: {shape: rectangle|right_triangle|l_shape, dims (the true lengths: w, h; a (vertical
// leg), b (horizontal leg); W, H, w, h for the L: outer width/height and the notch cut from its
// top-right corner), labels [{name, text, x, y}] (what the image shows, "x" for an unknown side;
// the L shows W (bottom), H (left), T (top edge = W - w) and R (right edge = H - h)),
// points [[x, y], ...] (the outline in pixels), fill, probe [x, y] (a point inside the fill),
// unit}. The solver reads the labels, not dims, so a hidden side must be worked out.
// Queries:
//   d1 {"kind":"rect_perimeter"}  {"kind":"rect_area"}
//   d2 {"kind":"tri_area"}        {"kind":"rect_missing","perimeter":P}
//   d3 {"kind":"l_area"}  {"kind":"l_perimeter"}  {"kind":"tri_perimeter"} (Pythagorean triple)
#include <algorithm>
#include <cmath>
#include <map>

#include "util/error.h"
#include "world/answer.h"
#include "world/family.h"

namespace insightv::world {

namespace {

struct Label {
  std::string name, text;  // name: which side ("w", "h", "a", "b", "W", "H", "nw", "nh")
  double x, y;
};

// The side lengths as labelled in the scene (absent names are unknown).
long label_value(const json& scene, const std::string& name) {
  for (const auto& l : scene.at("labels"))
    if (l.at("name") == name) return std::stol(l.at("text").get<std::string>());
  throw Error("world", "geometry scene has no label '" + name + "'");
}

struct Solved {
  long value = 0;
  std::vector<long> plausible;
};

Solved solve(const json& scene, const json& q, std::vector<Step>& steps) {
  const std::string kind = q.at("kind");
  const std::string unit = scene.at("unit");
  Solved s;
  auto L = [&](const char* n) { return label_value(scene, n); };
  auto num = [](long v) { return std::to_string(v); };
  if (kind == "rect_perimeter" || kind == "rect_area") {
    const long w = L("w"), h = L("h");
    steps.push_back({"Read the sides", "The rectangle is " + num(w) + " " + unit + " wide and " +
                                           num(h) + " " + unit + " tall."});
    if (kind == "rect_area") {
      s.value = w * h;
      steps.push_back({"Multiply", "Area = " + num(w) + " x " + num(h) + " = " + num(s.value) + "."});
      s.plausible = {2 * (w + h), w + h, w * h + w};
    } else {
      s.value = 2 * (w + h);
      steps.push_back({"Add all four sides", "Perimeter = 2 x (" + num(w) + " + " + num(h) + ") = " + num(s.value) + "."});
      s.plausible = {w * h, w + h, 2 * w + h};
    }
  } else if (kind == "rect_missing") {
    const long known = L("h"), p = q.at("perimeter");
    steps.push_back({"Use the perimeter", "Perimeter = 2 x (x + " + num(known) + ") = " + num(p) +
                                              ", so x + " + num(known) + " = " + num(p / 2) + "."});
    s.value = p / 2 - known;
    steps.push_back({"Solve for x", "x = " + num(p / 2) + " - " + num(known) + " = " + num(s.value) + "."});
    s.plausible = {p - known, p / 2, p - 2 * known};
  } else if (kind == "tri_area" || kind == "tri_perimeter") {
    const long a = L("a"), b = L("b");
    steps.push_back({"Read the legs", "The two sides at the right angle are " + num(a) + " and " + num(b) + " " + unit + "."});
    if (kind == "tri_area") {
      s.value = a * b / 2;
      steps.push_back({"Half the product of the legs", "Area = " + num(a) + " x " + num(b) + " / 2 = " + num(s.value) + "."});
      s.plausible = {a * b, a + b, s.value + a};
    } else {
      const long c2 = a * a + b * b;
      const long c = std::lround(std::sqrt(static_cast<double>(c2)));
      check(c * c == c2, "world", "geometry triangle legs " + num(a) + ", " + num(b) + " are not a Pythagorean pair");
      steps.push_back({"Find the hypotenuse", "By Pythagoras, c = sqrt(" + num(a) + "^2 + " + num(b) +
                                                  "^2) = sqrt(" + num(c2) + ") = " + num(c) + "."});
      s.value = a + b + c;
      steps.push_back({"Add the three sides", num(a) + " + " + num(b) + " + " + num(c) + " = " + num(s.value) + "."});
      s.plausible = {a + b, a + b + a + b, a * b / 2};
    }
  } else if (kind == "l_area" || kind == "l_perimeter") {
    const long W = L("W"), H = L("H"), top = L("T"), right = L("R");
    steps.push_back({"Read the lengths", "The bottom edge is " + num(W) + ", the left edge " + num(H) +
                                             ", the top edge " + num(top) + " and the right edge " + num(right) + "."});
    const long nw = W - top, nh = H - right;
    steps.push_back({"Find the missing corner", "The corner cut from the top-right is " + num(W) + " - " +
                                                    num(top) + " = " + num(nw) + " wide and " + num(H) + " - " +
                                                    num(right) + " = " + num(nh) + " tall."});
    if (kind == "l_area") {
      steps.push_back({"Area of the full rectangle", num(W) + " x " + num(H) + " = " + num(W * H) + "."});
      steps.push_back({"Area of the missing corner", num(nw) + " x " + num(nh) + " = " + num(nw * nh) + "."});
      s.value = W * H - nw * nh;
      steps.push_back({"Subtract", num(W * H) + " - " + num(nw * nh) + " = " + num(s.value) + "."});
      s.plausible = {W * H, W * H + nw * nh, 2 * (W + H)};
    } else {
      steps.push_back({"Move the notch's edges outward",
                       "The two edges of the notch have the same total lengths as the missing corner's outer edges, "
                       "so the perimeter equals that of the full " + num(W) + " x " + num(H) + " rectangle."});
      s.value = 2 * (W + H);
      steps.push_back({"Add", "2 x (" + num(W) + " + " + num(H) + ") = " + num(s.value) + "."});
      s.plausible = {2 * (W + H) - nw - nh, 2 * (W + H) + nw + nh, W * H - nw * nh};
    }
  } else {
    throw Error("world", "geometry: unknown query kind '" + kind + "'");
  }
  return s;
}

class Geometry : public Family {
 public:
  const char* name() const override { return "geometry"; }
  const char* summary() const override {
    return "rectangles, right triangles, L-shapes with labelled sides: area, perimeter, missing side";
  }

  Draft make(Rng& rng, const MakeContext& ctx) const override {
    const int d = ctx.difficulty;
    const double S = ctx.size;
    const std::string unit = "cm";
    Draft draft;
    std::string shape;
    json dims;
    std::vector<std::pair<double, double>> outline;  // in units, y down
    std::vector<Label> labels;                       // positions in units (converted below)
    std::string kind;
    const int pick = static_cast<int>(rng.uniform_int(0, 2));
    if (d == 1 || (d == 2 && pick == 0)) {
      const long w = rng.uniform_int(2, 12), h = rng.uniform_int(2, 9);
      shape = "rectangle";
      dims = {{"w", w}, {"h", h}};
      outline = {{0, 0}, {w, 0}, {w, h}, {0, h}};
      kind = d == 1 ? (rng.bernoulli(0.5) ? "rect_area" : "rect_perimeter") : "rect_missing";
      labels.push_back({"w", kind == "rect_missing" ? "x" : std::to_string(w), w / 2.0, h + 0.0});
      labels.push_back({"h", std::to_string(h), 0, h / 2.0});
      if (kind == "rect_missing") draft.query = {{"kind", kind}, {"perimeter", 2 * (w + h)}};
    } else if (d == 2 || (d == 3 && pick == 0)) {
      long a, b;
      if (d == 2) {
        do {
          a = rng.uniform_int(2, 10);
          b = rng.uniform_int(2, 12);
        } while ((a * b) % 2 != 0);
        kind = "tri_area";
      } else {
        static const long triples[][2] = {{3, 4}, {6, 8}, {5, 12}, {8, 6}, {4, 3}, {12, 5}, {9, 12}, {8, 15}};
        const auto& t = triples[rng.uniform_int(0, 7)];
        a = t[0];
        b = t[1];
        kind = "tri_perimeter";
      }
      shape = "right_triangle";
      dims = {{"a", a}, {"b", b}};
      outline = {{0, 0}, {0, a}, {b, a}};
      labels.push_back({"a", std::to_string(a), 0, a / 2.0});
      labels.push_back({"b", std::to_string(b), b / 2.0, a + 0.0});
    } else {
      const long W = rng.uniform_int(6, 12), H = rng.uniform_int(4, 10);
      const long nw = rng.uniform_int(2, W - 3), nh = rng.uniform_int(2, H - 2);
      shape = "l_shape";
      dims = {{"W", W}, {"H", H}, {"w", nw}, {"h", nh}};
      outline = {{0, 0}, {W - nw, 0}, {W - nw, nh}, {W, nh}, {W, H}, {0, H}};
      kind = pick == 1 ? "l_area" : "l_perimeter";
      labels.push_back({"W", std::to_string(W), W / 2.0, H + 0.0});
      labels.push_back({"H", std::to_string(H), 0, H / 2.0});
      labels.push_back({"T", std::to_string(W - nw), (W - nw) / 2.0, 0});
      labels.push_back({"R", std::to_string(H - nh), W + 0.0, (H + nh) / 2.0});
    }
    if (draft.query.is_null()) draft.query = {{"kind", kind}};
    // Fit the outline into the canvas, leaving room for labels left and below.
    double maxx = 0, maxy = 0;
    for (const auto& p : outline) {
      maxx = std::max(maxx, p.first);
      maxy = std::max(maxy, p.second);
    }
    const double scale = std::min(S * 0.64 / maxx, S * 0.6 / maxy);
    const double ox = round1(S * 0.17 + (S * 0.7 - maxx * scale) * rng.uniform(0.2, 0.8));
    const double oy = round1(S * 0.14 + (S * 0.72 - maxy * scale) * rng.uniform(0.2, 0.8));
    auto X = [&](double u) { return round1(ox + u * scale); };
    auto Y = [&](double v) { return round1(oy + v * scale); };
    const std::string fill = rng.choice(object_colors());
    json points = json::array(), jlabels = json::array();
    Canvas::Points px;
    for (const auto& p : outline) {
      px.push_back({X(p.first), Y(p.second)});
      points.push_back({X(p.first), Y(p.second)});
    }
    const double font = std::max(8.0, S * 0.1), gap = font * 0.75;
    for (auto& l : labels) {
      // Horizontal sides get the label below (or above for the notch), vertical ones to the left.
      const bool vertical = l.name == "h" || l.name == "a" || l.name == "H" || l.name == "R";
      double x = X(l.x), y = Y(l.y);
      if (vertical) x += l.name == "R" ? gap : -gap;
      else y += l.name == "T" ? -gap : gap;
      l.x = round1(x);
      l.y = round1(y);
      jlabels.push_back({{"name", l.name}, {"text", l.text}, {"x", l.x}, {"y", l.y}});
    }
    // A point well inside the fill: the centroid of the triangle, else of the left column.
    double probe_x, probe_y;
    if (shape == "right_triangle") {
      probe_x = (px[0].first + px[1].first + px[2].first) / 3;
      probe_y = (px[0].second + px[1].second + px[2].second) / 3;
    } else {
      probe_x = (px[0].first + px[1].first) / 2;
      probe_y = (px[0].second + px.back().second) / 2 + (shape == "l_shape" ? scale * 0.25 : 0);
    }
    draft.scene = {{"shape", shape}, {"dims", dims}, {"labels", jlabels}, {"points", points},
                   {"fill", fill}, {"probe", {round1(probe_x), round1(probe_y)}}, {"unit", unit},
                   {"width", ctx.size}, {"height", ctx.size}};
    static const std::map<std::string, std::string> questions = {
        {"rect_area", "What is the area of the rectangle in square cm?"},
        {"rect_perimeter", "What is the perimeter of the rectangle in cm?"},
        {"rect_missing", ""},
        {"tri_area", "What is the area of the right triangle in square cm?"},
        {"tri_perimeter", "What is the perimeter of the right triangle in cm?"},
        {"l_area", "What is the area of the L-shaped figure in square cm?"},
        {"l_perimeter", "What is the perimeter of the L-shaped figure in cm?"}};
    draft.question = kind == "rect_missing"
                         ? "The perimeter of the rectangle is " + draft.query["perimeter"].dump() +
                               " cm. What is the length of the side marked x, in cm?"
                         : questions.at(kind);
    const Solved s = solve(draft.scene, draft.query, draft.solution);
    set_number_answer(draft, rng, s.value, s.plausible, rng.bernoulli(0.5));
    if (ctx.canvas != nullptr) {
      Canvas& c = *ctx.canvas;
      const double line = std::max(1.0, S / 110.0);
      c.fill_polygon(px, palette(fill));
      c.stroke_polygon(px, line, palette("black"));
      if (shape == "right_triangle") {
        const double m = std::max(3.0, S * 0.04);
        c.stroke_polygon({{px[1].first, px[1].second - m}, {px[1].first + m, px[1].second - m},
                          {px[1].first + m, px[1].second}}, std::max(1.0, line * 0.6), palette("black"));
      }
      for (const auto& l : labels)
        c.text(l.text, l.x, l.y, {font, palette("black"), true, HAlign::center, VAlign::middle});
    }
    return draft;
  }

  // Every question needs a computation after the reading (area, perimeter, a missing side).
  std::string answer_sentence(const Task& t) const override { return answer_after_fact("", t.answer_value); }

  // Each labelled side's length; the unknown side ("x") states nothing.
  std::vector<std::string> scene_facts(const Task& t) const override {
    static const std::map<std::string, std::string> side = {
        {"w", "width"},        {"h", "height"},        {"a", "vertical leg"}, {"b", "horizontal leg"},
        {"W", "bottom side"},  {"H", "left side"},     {"T", "top side"},     {"R", "right side"},
        {"nw", "notch width"}, {"nh", "notch height"}};
    const std::string unit = t.scene.value("unit", "");
    std::vector<std::string> facts;
    for (const auto& l : t.scene.at("labels")) {
      const std::string name = l.at("name"), text = l.at("text");
      if (text == "x") continue;
      const auto it = side.find(name);
      facts.push_back("The " + (it == side.end() ? name : it->second) + " is " + text + (unit.empty() ? "" : " " + unit) + ".");
    }
    return facts;
  }
};

}  // namespace

const Family& geometry_family() {
  static const Geometry f;
  return f;
}

}  // namespace insightv::world
